#pragma once

#include <QObject>

#include "MainWindow.h"

class QAction;

namespace bilevel::studio {

class FileActions;

// The window's commands besides the File menu: the learning toolbar (Learn, Pause, Step, Stop,
// Run Diagnostics), the Edit menu over the document's undo stack, the Learn, View and Help menus;
// each action calls the window's public slot of the same name, and is enabled by what the window
// is doing (update). The actions are the window's children with object names ("learnAction",
// "undoAction", ...), which tests find them by.
class WindowMenus : public QObject {
  Q_OBJECT

 public:
  // Builds the toolbar and the menu bar (the File menu from `files`).
  WindowMenus(MainWindow* window, FileActions* files);

  // Learn, Step and Run Diagnostics need an idle window with a known model (`ready`); Pause needs
  // a run, Stop a run or the diagnostics; Undo and Redo an idle window.
  void update(MainWindow::Activity activity, bool ready);

 private:
  void updateUndo();

  MainWindow* window_;
  QAction* learn_ = nullptr;
  QAction* pause_ = nullptr;
  QAction* step_ = nullptr;
  QAction* stop_ = nullptr;
  QAction* diagnostics_ = nullptr;
  QAction* undo_ = nullptr;
  QAction* redo_ = nullptr;
};

}  // namespace bilevel::studio
