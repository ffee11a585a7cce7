#include "WindowLayout.h"

#include <QDockWidget>
#include <QEvent>
#include <QMainWindow>
#include <QScrollArea>
#include <QSettings>
#include <QTabWidget>
#include <algorithm>

namespace bilevel::studio {

WindowLayout::WindowLayout(QMainWindow* window, QWidget* parameters, QWidget* plots,
                           QWidget* diagnostics)
    : QObject(window), window_(window) {
  auto* scroll = new QScrollArea;
  scroll->setWidget(parameters);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(parameters->minimumSizeHint().width() + 16);
  parameterDock_ = new QDockWidget(tr("Parameters"), window);
  parameterDock_->setObjectName(QStringLiteral("ParametersDock"));
  parameterDock_->setWidget(scroll);
  window->addDockWidget(Qt::LeftDockWidgetArea, parameterDock_);

  tabs_ = new QTabWidget;
  const auto scrolled = [](QWidget* content) {
    auto* area = new QScrollArea;
    area->setWidget(content);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
  };
  tabs_->addTab(scrolled(plots), tr("Learning"));
  tabs_->addTab(scrolled(diagnostics), tr("Jacobian diagnostics"));
  analysisDock_ = new QDockWidget(tr("Analysis"), window);
  analysisDock_->setObjectName(QStringLiteral("AnalysisDock"));
  analysisDock_->setWidget(tabs_);
  window->addDockWidget(Qt::RightDockWidgetArea, analysisDock_);
  window->installEventFilter(this);
}

int WindowLayout::tabOf(QWidget* page) const {
  for (int i = 0; i < tabs_->count(); ++i) {
    if (tabs_->widget(i) == page || tabs_->widget(i)->isAncestorOf(page)) return i;
  }
  return -1;
}

void WindowLayout::showPage(QWidget* page) {
  if (collapsed_) analysisDock_->raise();  // a tab beside the parameters
  if (const int tab = tabOf(page); tab >= 0) tabs_->setCurrentIndex(tab);
}

void WindowLayout::addPage(QWidget* page, const QString& title) {
  tabs_->addTab(page, title);
}

void WindowLayout::setPageVisible(QWidget* page, bool visible) {
  if (const int tab = tabOf(page); tab >= 0) tabs_->setTabVisible(tab, visible);
}

bool WindowLayout::pageVisible(QWidget* page) const {
  const int tab = tabOf(page);
  return tab >= 0 && tabs_->isTabVisible(tab);
}

void WindowLayout::restore() {
  QSettings settings;
  if (!window_->restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
    window_->resize(1440, 900);
  restored_ = window_->restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
  collapsed_ = restored_ && settings.value(QStringLiteral("window/docksCollapsed")).toBool();
}

void WindowLayout::suppressAnalysis(bool suppressed) {
  if (suppressed == suppressed_) return;
  suppressed_ = suppressed;
  if (suppressed) {
    analysisWasVisible_ = analysisDock_->isVisible();
    analysisDock_->hide();
  } else if (analysisWasVisible_) {
    analysisDock_->show();
  }
}

void WindowLayout::save() const {
  // The next start opens on the images, with the Analysis dock as the person left it there.
  if (suppressed_ && analysisWasVisible_) analysisDock_->show();
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), window_->saveGeometry());
  settings.setValue(QStringLiteral("window/state"), window_->saveState());
  settings.setValue(QStringLiteral("window/docksCollapsed"), collapsed_);
}

bool WindowLayout::eventFilter(QObject* watched, QEvent* event) {
  if (watched == window_) {
    if (event->type() == QEvent::Resize) {
      arrange();
    } else if (event->type() == QEvent::Show && !restored_ && !sized_) {
      sized_ = true;
      size();
    }
  }
  return QObject::eventFilter(watched, event);
}

void WindowLayout::size() {
  // Without a remembered layout the images keep the middle third or more of any window width
  // (more than half with one dock column): they are what a person came to look at.
  const int w = window_->width();
  if (collapsed_) {
    window_->resizeDocks({parameterDock_}, {w * 40 / 100}, Qt::Horizontal);
  } else {
    window_->resizeDocks({parameterDock_, analysisDock_},
                         {std::min(330, w * 22 / 100), w * 42 / 100}, Qt::Horizontal);
  }
}

void WindowLayout::arrange() {
  const bool narrow = window_->width() < kTwoDockColumnsWidth;
  if (narrow == collapsed_ || parameterDock_->isFloating() || analysisDock_->isFloating()) return;
  collapsed_ = narrow;
  if (narrow) {
    window_->tabifyDockWidget(parameterDock_, analysisDock_);
    parameterDock_->raise();
  } else {
    window_->removeDockWidget(analysisDock_);
    window_->addDockWidget(Qt::RightDockWidgetArea, analysisDock_);
    analysisDock_->show();
  }
  size();
}

}  // namespace bilevel::studio
