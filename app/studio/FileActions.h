#pragma once

#include <QDateTime>
#include <QList>
#include <QMessageBox>
#include <QObject>
#include <QStringList>
#include <functional>

class QAction;
class QMenu;

namespace bilevel::studio {

class MainWindow;

// The File menu: open (image, noisy/clean pair, session, recent, dropped files), save, export
// and quit, each asking first to save unsaved changes where an open would replace them; the
// recent files and the folder the dialogs start in (QSettings); the session file the document
// belongs to; saving and exporting (the window's public slots forward here, so tests and scripts
// call them directly, without dialogs or prompts). Opening is DocumentLoader's.
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

  // Answers the window's questions (save changes? stop learning?) instead of a dialog: given the
  // question and the buttons offered, returns one of them. Without it a dialog asks, except in
  // Qt Test's test mode (QStandardPaths::isTestModeEnabled), where the answer is Discard (or
  // Yes) so that no test blocks on a prompt it does not expect.
  using PromptAnswer =
      std::function<QMessageBox::StandardButton(const QString&, QMessageBox::StandardButtons)>;
  static void setPromptAnswer(PromptAnswer answer);
  QMessageBox::StandardButton ask(const QString& question, QMessageBox::StandardButtons buttons,
                                  QMessageBox::StandardButton defaultButton);
  // Asks to save unsaved changes (Save / Discard / Cancel) before they would be lost; true when
  // the window may go on (saved, discarded, or nothing to save).
  bool maybeSave(const QString& before);
  // The question of maybeSave for anything unsaved (the document, a learned model): Save (the
  // default) runs `save`; true when the caller may go on (saved, or discarded).
  bool askToSave(const QString& question, const std::function<bool()>& save);

  // The session file the document was opened from or saved to ("" for none).
  QString sessionPath() const { return sessionPath_; }
  void setSessionPath(const QString& path);
  // When the restored session had been autosaved; invalid unless the document was recovered.
  QDateTime recoveredAt() const { return recoveredAt_; }
  void setRecoveredAt(const QDateTime& savedAt);

  // What the window's title calls the document: the session file's name, else the image's, and
  // when it was recovered from an autosave ("" before any).
  QString documentName() const;

  // Error(Usage) when `output` names an image the configuration reads (or, with includeSession,
  // the open session file): nothing the user made is written over.
  void refuseToOverwriteInputs(const QString& output, bool includeSession = true) const;
  // Each false with the window's error dialog when it cannot write.
  bool saveSession(const QString& path);
  bool exportReconstruction(const QString& path);  // a name without an extension is a PNG
  bool exportParameters(const QString& path);
  // θ with the model and solver sections as a learned model (core/learning/LearnedModel.h): what
  // bilevel-cli solve --params, evaluate and Apply Learned Model read. Provenance: the image, σ,
  // the steps learned.
  bool exportLearnedModel(const QString& path);
  bool exportHistory(const QString& path);
  bool exportPlots(const QString& path);  // PNG or SVG by extension

 signals:
  // The session path or the recovery time changed: the window's title names them.
  void nameChanged();

 private:
  MainWindow* window_;
  QMenu* recentMenu_ = nullptr;
  QList<QAction*> documentActions_;
  QString sessionPath_;
  QDateTime recoveredAt_;
};

}  // namespace bilevel::studio
