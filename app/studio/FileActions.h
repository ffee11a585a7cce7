#pragma once

#include <QList>
#include <QObject>
#include <QStringList>

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
  QString dialogDirectory() const;
  void rememberDirectory(const QString& path);

 private:
  MainWindow* window_;
  QMenu* recentMenu_ = nullptr;
  QList<QAction*> documentActions_;
};

}  // namespace bilevel::studio
