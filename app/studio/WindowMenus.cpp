#include "WindowMenus.h"

#include <QAction>
#include <QDockWidget>
#include <QMenu>
#include <QMenuBar>
#include <QToolBar>
#include <QUndoStack>

#include "DatasetMode.h"
#include "FileActions.h"
#include "HelpMenu.h"
#include "StudioDocument.h"
#include "widgets/DiagnosticsPanel.h"
#include "widgets/LearningPlots.h"

namespace bilevel::studio {

namespace {

QAction* makeAction(MainWindow* window, const QString& text, const char* name,
                    const QList<QKeySequence>& keys, const QString& tip,
                    void (MainWindow::*slot)()) {
  auto* action = new QAction(text, window);
  action->setObjectName(QString::fromLatin1(name));
  action->setShortcuts(keys);
  action->setToolTip(tip);
  QObject::connect(action, &QAction::triggered, window, slot);
  return action;
}

}  // namespace

WindowMenus::WindowMenus(MainWindow* window, FileActions* files)
    : QObject(window), window_(window) {
  learn_ = makeAction(
      window, tr("&Learn"), "learnAction", {QKeySequence(Qt::Key_F5), QKeySequence(tr("Ctrl+L"))},
      tr("Learn the parameters: run the configured outer iterations (F5)"), &MainWindow::learn);
  pause_ = makeAction(window, tr("&Pause"), "pauseAction", {QKeySequence(Qt::Key_F6)},
                      tr("Pause after the current outer step; Learn continues (F6)"),
                      &MainWindow::pause);
  step_ = makeAction(window, tr("S&tep"), "stepAction", {QKeySequence(Qt::Key_F10)},
                     tr("One outer iteration (F10)"), &MainWindow::step);
  stop_ = makeAction(window, tr("&Stop"), "stopAction",
                     {QKeySequence(Qt::Key_Escape), QKeySequence(tr("Shift+F5"))},
                     tr("Stop now, keeping what was learned (Esc)"), &MainWindow::stop);
  diagnostics_ =
      makeAction(window, tr("Run &Diagnostics"), "diagnosticsAction", {QKeySequence(Qt::Key_F7)},
                 tr("Compare every hypergradient method with finite differences at "
                    "the current parameters (F7)"),
                 &MainWindow::runDiagnostics);
  QToolBar* toolbar = window->addToolBar(tr("Learning"));
  toolbar->setObjectName(QStringLiteral("LearningToolbar"));
  toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  toolbar->addActions({learn_, pause_, step_, stop_});
  toolbar->addSeparator();
  toolbar->addAction(diagnostics_);

  QMenuBar* bar = window->menuBar();
  QMenu* file = bar->addMenu(tr("&File"));
  files->populate(file);

  // Every edit a person makes is one step of the document's undo stack; a learning run is one.
  QMenu* edit = bar->addMenu(tr("&Edit"));
  undo_ = edit->addAction(tr("&Undo"), window, &MainWindow::undo);
  undo_->setObjectName(QStringLiteral("undoAction"));
  undo_->setShortcuts(QKeySequence::Undo);
  redo_ = edit->addAction(tr("&Redo"), window, &MainWindow::redo);
  redo_->setObjectName(QStringLiteral("redoAction"));
  QList<QKeySequence> redoKeys = QKeySequence::keyBindings(QKeySequence::Redo);
  if (!redoKeys.contains(QKeySequence(tr("Ctrl+Shift+Z"))))
    redoKeys.prepend(QKeySequence(tr("Ctrl+Shift+Z")));
  redo_->setShortcuts(redoKeys);
  QUndoStack* stack = window->document()->undoStack();
  connect(stack, &QUndoStack::indexChanged, this, &WindowMenus::updateUndo);
  connect(stack, &QUndoStack::undoTextChanged, this, &WindowMenus::updateUndo);
  connect(stack, &QUndoStack::redoTextChanged, this, &WindowMenus::updateUndo);
  updateUndo();

  QMenu* learnMenu = bar->addMenu(tr("&Learn"));
  learnMenu->addActions({learn_, pause_, step_, stop_});
  QAction* restart = learnMenu->addAction(tr("&Restart from λ"), QKeySequence(tr("Ctrl+R")), window,
                                          &MainWindow::restartFromConfiguredLambda);
  restart->setObjectName(QStringLiteral("restartAction"));
  restart->setToolTip(
      tr("Forget the learned parameters and the history; the next Learn repeats "
         "the run from the configured λ"));
  files->addDocumentAction(restart);
  learnMenu->addSeparator();
  learnMenu->addAction(diagnostics_);

  QMenu* dataset = bar->addMenu(tr("&Dataset"));
  QMenu* view = bar->addMenu(tr("&View"));
  view->addAction(tr("&Fit Images"), QKeySequence(tr("Ctrl+0")), window, &MainWindow::fitViews);
  view->addAction(tr("&Learning Plots"), QKeySequence(tr("Ctrl+1")), window,
                  [window] { window->showAnalysisPage(window->plots()); });
  view->addAction(tr("Jacobian &Diagnostics"), QKeySequence(tr("Ctrl+2")), window,
                  [window] { window->showAnalysisPage(window->diagnosticsPanel()); });
  window->datasetMode()->populate(file, dataset, view);
  view->addSeparator();
  for (QDockWidget* dock : window->findChildren<QDockWidget*>())
    view->addAction(dock->toggleViewAction());

  addHelpMenu(bar, window);
}

void WindowMenus::update(MainWindow::Activity activity, bool ready) {
  const bool idle = activity == MainWindow::Activity::Idle;
  learn_->setEnabled(idle && ready);
  step_->setEnabled(idle && ready);
  diagnostics_->setEnabled(idle && ready);
  pause_->setEnabled(activity == MainWindow::Activity::Learning);
  stop_->setEnabled(activity == MainWindow::Activity::Learning ||
                    activity == MainWindow::Activity::Diagnosing);
  updateUndo();
}

void WindowMenus::updateUndo() {
  const QUndoStack* stack = window_->document()->undoStack();
  const bool idle = window_->activity() == MainWindow::Activity::Idle;
  undo_->setEnabled(idle && stack->canUndo());
  redo_->setEnabled(idle && stack->canRedo());
  undo_->setText(stack->canUndo() ? tr("&Undo %1").arg(stack->undoText()) : tr("&Undo"));
  redo_->setText(stack->canRedo() ? tr("&Redo %1").arg(stack->redoText()) : tr("&Redo"));
}

}  // namespace bilevel::studio
