#pragma once

#include <QObject>
#include <QString>

class QDockWidget;
class QMainWindow;
class QTabWidget;
class QWidget;

namespace bilevel::studio {

// The window's docks and their arrangement (issue 10 §7): the parameter panel in a dock on the
// left, the analysis tabs (learning plots, Jacobian diagnostics, each in a scroll area so that on
// a small screen the charts wrap and scroll) in a dock on the right. Narrower than
// kTwoDockColumnsWidth the Analysis dock becomes a tab of the Parameters dock, one column beside
// the images, and goes back to the right when the window is wider again; floating docks are left
// alone. Without a remembered layout the docks are sized at the first show so that the images keep
// the middle of the window. The geometry, the dock state and whether they are collapsed are kept
// in QSettings (restore, save). Follows the window's show and resize events.
class WindowLayout : public QObject {
  Q_OBJECT

 public:
  // Below this window width the two docks share one column: side by side they would leave the
  // images about a third of it.
  static constexpr int kTwoDockColumnsWidth = 1200;

  // Puts `parameters` and the tabs of `plots` and `diagnostics` into docks of `window`.
  WindowLayout(QMainWindow* window, QWidget* parameters, QWidget* plots, QWidget* diagnostics);

  QTabWidget* tabs() const { return tabs_; }
  // Adds `page` as a further tab of the Analysis dock (the Filters page of a filter-bank model).
  void addPage(QWidget* page, const QString& title);
  // Shows or hides the tab holding `page`: a page for what the model does not have is not shown.
  void setPageVisible(QWidget* page, bool visible);
  bool pageVisible(QWidget* page) const;
  // The two docks are one column (the window is narrow).
  bool collapsed() const { return collapsed_; }
  // Brings the tab holding `page` to the front (and, when collapsed, the Analysis dock's tab).
  void showPage(QWidget* page);

  // The dataset mode has no use for the single image's analysis: while it shows, the Analysis dock
  // hides, and it comes back as it was; save() records it as it was.
  void suppressAnalysis(bool suppressed);

  // The window's remembered geometry and dock state (else 1440×900); call once the toolbar and
  // the docks exist, as restoreState needs their object names.
  void restore();
  void save() const;

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void arrange();
  int tabOf(QWidget* page) const;
  void size();

  QMainWindow* window_;
  QTabWidget* tabs_ = nullptr;
  QDockWidget* parameterDock_ = nullptr;
  QDockWidget* analysisDock_ = nullptr;
  bool restored_ = false;
  bool sized_ = false;
  bool collapsed_ = false;
  bool suppressed_ = false;
  bool analysisWasVisible_ = true;
};

}  // namespace bilevel::studio
