#pragma once

#include <QList>
#include <QObject>
#include <QStringList>
#include <functional>

class QAction;
class QMenu;

namespace bilevel::studio {

class MainWindow;

// The File menu: open (image, noisy/clean pair, session, recent, dropped files), save, export
// and quit, each asking first to save unsaved changes where an open would replace them; the
// recent files and the folder the dialogs start in (QSettings). The work itself is the window's
// (its public slots, which tests and scripts call directly, without dialogs or prompts).
class FileActions : public QObject {
  Q_OBJECT

 public:
  explicit FileActions(MainWindow* window);

  void populate(QMenu* file);
  // Actions that need an open document (exports, Restart from λ): enabled with one.
  QList<QAction*> documentActions() const { return documentActions_; }
  void addDocumentAction(QAction* action);
  // One file: a session or a clean image; two: a pair, the one named "noisy" the noisy one.
  void openDropped(const QStringList& paths);

  void addRecentFile(const QString& path);
  void rebuildRecentMenu();
  // The folder the open dialogs start in: the last one opened from.
  QString dialogDirectory() const;
  void rememberDirectory(const QString& path);
  // The folder the save and export dialogs start in (issue 10 §7): the last one saved to, unless
  // it is gone or lies inside the installation or the sample images; else Documents (or home).
  QString saveDirectory() const;
  void rememberSaveDirectory(const QString& path);
  // "<image name>-<what>.<extension>", e.g. "shapes-reconstruction.png" ("<what>.<extension>"
  // before any image is open).
  QString suggestedName(const QString& what, const QString& extension) const;
  // `path` with the extension of `filter` (the first "*.ext" in "PNG image (*.png)") when the
  // file name has none; unchanged otherwise.
  static QString withExtension(const QString& path, const QString& filter);
  // Asks where to save `what` (the dialog, or the hook below), starting at saveDirectory() with
  // suggestedName(); the extension of the chosen filter is added when the name has none. "" when
  // cancelled.
  QString askSavePath(const QString& title, const QString& what, const QString& filters);

  // What askSavePath asks instead of a dialog, for tests: given the title, the suggested path and
  // the filters (";;"-separated), returns the chosen path ("" cancels) and sets *selectedFilter.
  using SaveDialog = std::function<QString(const QString& title, const QString& suggested,
                                           const QString& filters, QString* selectedFilter)>;
  static void setSaveDialog(SaveDialog dialog);

 private:
  MainWindow* window_;
  QMenu* recentMenu_ = nullptr;
  QList<QAction*> documentActions_;
};

}  // namespace bilevel::studio
