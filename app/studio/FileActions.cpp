#include "FileActions.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLocale>
#include <QMenu>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <algorithm>

#include "ImageGrid.h"
#include "MainWindow.h"
#include "StatusReport.h"
#include "StudioDocument.h"
#include "common/Error.h"
#include "config/Configuration.h"
#include "image/ImageIO.h"
#include "learning/LearnedModel.h"
#include "learning/LearningRecords.h"
#include "learning/ModelFactory.h"
#include "learning/SessionFile.h"
#include "widgets/LearningPlots.h"

namespace bilevel::studio {

namespace {

constexpr int kMaxRecentFiles = 8;

bool isSessionFile(const QString& path) {
  return path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) ||
         path.endsWith(QLatin1String(".bilevel"), Qt::CaseInsensitive);
}

FileActions::SaveDialog& saveDialog() {
  static FileActions::SaveDialog dialog;
  return dialog;
}

FileActions::PromptAnswer& promptAnswer() {
  static FileActions::PromptAnswer answer;
  return answer;
}

std::filesystem::path toPath(const QString& path) {
  return std::filesystem::path(path.toStdString());
}

// Whether `folder` is `root` or inside it (both canonical when they exist).
bool isInside(const QString& folder, const QString& root) {
  if (root.isEmpty()) return false;
  const QString a = QFileInfo(folder).canonicalFilePath(), b = QFileInfo(root).canonicalFilePath();
  if (a.isEmpty() || b.isEmpty()) return false;
  return a == b || a.startsWith(b + QLatin1Char('/'));
}

}  // namespace

FileActions::FileActions(MainWindow* window) : QObject(window), window_(window) {}

void FileActions::populate(QMenu* file) {
  QAction* fresh = file->addAction(tr("&New Session"), QKeySequence::New, window_,
                                   [this] { window_->newDocument(); });
  fresh->setObjectName(QStringLiteral("newAction"));
  fresh->setToolTip(
      tr("Start again from the default preset and its sample image (Ctrl+N); asks "
         "to save unsaved changes first"));
  file->addAction(tr("&Open Image…"), QKeySequence::Open, window_, [this] {
    if (!maybeSave(tr("opening another image"))) return;
    const QString path = QFileDialog::getOpenFileName(
        window_, tr("Open a clean image"), dialogDirectory(),
        tr("Images (*.png *.tif *.tiff *.jpg *.jpeg *.pgm *.bmp);;All files (*)"));
    if (!path.isEmpty()) window_->openImage(path);
  });
  file->addAction(tr("Open Noisy/Clean &Pair…"), QKeySequence(tr("Ctrl+Shift+O")), window_, [this] {
    if (!maybeSave(tr("opening other images"))) return;
    const QString filter = tr("Images (*.png *.tif *.tiff *.jpg *.jpeg *.pgm *.bmp)");
    const QString clean = QFileDialog::getOpenFileName(window_, tr("Open the clean image"),
                                                       dialogDirectory(), filter);
    if (clean.isEmpty()) return;
    const QString noisy = QFileDialog::getOpenFileName(window_, tr("Open the noisy image"),
                                                       QFileInfo(clean).absolutePath(), filter);
    if (!noisy.isEmpty()) window_->openImagePair(clean, noisy);
  });
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  file->addSeparator();
  file->addAction(tr("Open &Session…"), QKeySequence(tr("Ctrl+Alt+O")), window_, [this] {
    if (!maybeSave(tr("opening a session"))) return;
    const QString path =
        QFileDialog::getOpenFileName(window_, tr("Open a session"), dialogDirectory(),
                                     tr("Studio sessions (*.json);;All files (*)"));
    if (!path.isEmpty()) window_->openSession(path);
  });
  QAction* learned = file->addAction(tr("Apply &Learned Model…"), window_, [this] {
    const QString path =
        QFileDialog::getOpenFileName(window_, tr("Apply a learned model"), dialogDirectory(),
                                     tr("Learned models (*.json);;All files (*)"));
    if (!path.isEmpty()) window_->applyLearnedModel(path);
  });
  learned->setObjectName(QStringLiteral("applyLearnedModelAction"));
  learned->setToolTip(
      tr("Denoise the open image with a model bilevel-cli train learned (its model.json): its "
         "model, filters and weights replace the current ones; Edit › Undo goes back"));
  auto saveAs = [this] {
    const QString path =
        askSavePath(tr("Save the session"), tr("session"), tr("Studio sessions (*.json)"));
    if (!path.isEmpty()) saveSession(path);
  };
  file->addAction(tr("&Save Session"), QKeySequence::Save, window_, [this, saveAs] {
    if (sessionPath_.isEmpty()) {
      saveAs();
    } else {
      saveSession(sessionPath_);
    }
  });
  file->addAction(tr("Save Session &As…"), QKeySequence::SaveAs, window_, saveAs);
  QMenu* exportMenu = file->addMenu(tr("&Export"));
  auto addExport = [this, exportMenu](const QString& label, const QString& what,
                                      const QString& filter, const QKeySequence& key,
                                      bool (FileActions::*exporter)(const QString&),
                                      const char* name) {
    QAction* action =
        exportMenu->addAction(label, key, window_, [this, label, what, filter, exporter] {
          const QString path = askSavePath(label, what, filter);
          if (!path.isEmpty()) (this->*exporter)(path);
        });
    action->setObjectName(QString::fromLatin1(name));
    documentActions_.append(action);
  };
  addExport(tr("Reconstruction Image…"), tr("reconstruction"),
            tr("PNG image (*.png);;TIFF image (*.tif)"), QKeySequence(tr("Ctrl+E")),
            &FileActions::exportReconstruction, "exportReconstructionAction");
  addExport(tr("Parameters (JSON)…"), tr("parameters"), tr("JSON (*.json)"), {},
            &FileActions::exportParameters, "exportParametersAction");
  addExport(tr("Learned Model (model.json)…"), tr("model"), tr("JSON (*.json)"), {},
            &FileActions::exportLearnedModel, "exportLearnedModelAction");
  addExport(tr("History (CSV)…"), tr("history"), tr("CSV (*.csv)"), {}, &FileActions::exportHistory,
            "exportHistoryAction");
  addExport(tr("Plots (PNG or SVG)…"), tr("plots"), tr("PNG image (*.png);;SVG drawing (*.svg)"),
            {}, &FileActions::exportPlots, "exportPlotsAction");
  file->addSeparator();
  // Ctrl+Q everywhere (some platforms bind no standard Quit key); close asks to save first.
  QAction* quit = file->addAction(tr("&Quit"), window_, [this] { window_->close(); });
  quit->setObjectName(QStringLiteral("quitAction"));
  QList<QKeySequence> quitKeys = QKeySequence::keyBindings(QKeySequence::Quit);
  if (!quitKeys.contains(QKeySequence(tr("Ctrl+Q")))) quitKeys.prepend(QKeySequence(tr("Ctrl+Q")));
  quit->setShortcuts(quitKeys);
}

void FileActions::addDocumentAction(QAction* action) {
  documentActions_.append(action);
}

void FileActions::openDropped(const QStringList& paths) {
  if (!maybeSave(tr("opening what was dropped"))) return;
  if (paths.size() == 1) {
    if (isSessionFile(paths.front())) {
      window_->openSession(paths.front());
    } else {
      window_->openImage(paths.front());
    }
    return;
  }
  // Two images: the one named "noisy" is the noisy one, otherwise the first is clean.
  QString clean = paths[0], noisy = paths[1];
  if (QFileInfo(clean).fileName().contains(QLatin1String("noisy"), Qt::CaseInsensitive))
    std::swap(clean, noisy);
  window_->openImagePair(clean, noisy);
}

QString FileActions::dialogDirectory() const {
  return QSettings().value(QStringLiteral("files/lastDirectory")).toString();
}

void FileActions::rememberDirectory(const QString& path) {
  QSettings().setValue(QStringLiteral("files/lastDirectory"), QFileInfo(path).absolutePath());
}

QString FileActions::saveDirectory() const {
  const QString last = QSettings().value(QStringLiteral("files/saveDirectory")).toString();
  // What a person must not write into (or cannot): the program's own folders and the bundled
  // samples, which an open may well have started from.
  const QString program = QCoreApplication::applicationDirPath();
  const QStringList forbidden = {
      program, QDir(program).absoluteFilePath(QStringLiteral("../share/bilevel-studio")),
      QString::fromStdString(sampleImageDirectory().string())};
  const auto acceptable = [&](const QString& folder) {
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) return false;
    return std::none_of(forbidden.begin(), forbidden.end(),
                        [&](const QString& root) { return isInside(folder, root); });
  };
  if (acceptable(last)) return last;
  const QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
  return acceptable(documents) ? documents : QDir::homePath();
}

void FileActions::rememberSaveDirectory(const QString& path) {
  QSettings().setValue(QStringLiteral("files/saveDirectory"), QFileInfo(path).absolutePath());
}

QString FileActions::suggestedName(const QString& what, const QString& extension) const {
  const std::string& image = window_->document()->pair().name;
  const QString stem =
      image.empty() ? what : QStringLiteral("%1-%2").arg(QString::fromStdString(image), what);
  return stem + QLatin1Char('.') + extension;
}

QString FileActions::withExtension(const QString& path, const QString& filter) {
  if (path.isEmpty() || !QFileInfo(path).suffix().isEmpty()) return path;
  static const QRegularExpression pattern(QStringLiteral("\\*\\.([A-Za-z0-9]+)"));
  const QRegularExpressionMatch match = pattern.match(filter);
  return match.hasMatch() ? path + QLatin1Char('.') + match.captured(1) : path;
}

void FileActions::setSaveDialog(SaveDialog dialog) {
  saveDialog() = std::move(dialog);
}

QString FileActions::askSavePath(const QString& title, const QString& what,
                                 const QString& filters) {
  const QString first = filters.section(QStringLiteral(";;"), 0, 0);
  const QString extension = withExtension(QStringLiteral("x"), first).section(QLatin1Char('.'), 1);
  const QString suggested = QDir(saveDirectory()).absoluteFilePath(suggestedName(what, extension));
  QString selected = first;
  const QString path =
      saveDialog() ? saveDialog()(title, suggested, filters, &selected)
                   : QFileDialog::getSaveFileName(window_, title, suggested, filters, &selected);
  if (path.isEmpty()) return {};
  return withExtension(path, selected.isEmpty() ? first : selected);
}

void FileActions::addRecentFile(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value(QStringLiteral("files/recent")).toStringList();
  const QString absolute = QFileInfo(path).absoluteFilePath();
  recent.removeAll(absolute);
  recent.prepend(absolute);
  while (recent.size() > kMaxRecentFiles)
    recent.removeLast();
  settings.setValue(QStringLiteral("files/recent"), recent);
  rememberDirectory(absolute);
  rebuildRecentMenu();
}

void FileActions::rebuildRecentMenu() {
  recentMenu_->clear();
  const QStringList recent = QSettings().value(QStringLiteral("files/recent")).toStringList();
  for (int i = 0; i < recent.size(); ++i) {
    const QString path = recent[i];
    QAction* action = recentMenu_->addAction(
        QStringLiteral("&%1 %2").arg(i + 1).arg(QFileInfo(path).fileName()), window_, [this, path] {
          if (!maybeSave(tr("opening %1").arg(QFileInfo(path).fileName()))) return;
          if (isSessionFile(path)) {
            window_->openSession(path);
          } else {
            window_->openImage(path);
          }
        });
    action->setToolTip(path);
  }
  recentMenu_->setEnabled(!recent.isEmpty());
}

void FileActions::setPromptAnswer(PromptAnswer answer) {
  promptAnswer() = std::move(answer);
}

QMessageBox::StandardButton FileActions::ask(const QString& question,
                                             QMessageBox::StandardButtons buttons,
                                             QMessageBox::StandardButton defaultButton) {
  if (promptAnswer()) return promptAnswer()(question, buttons);
  // A test that did not expect the question must not hang on a dialog nobody answers.
  if (QStandardPaths::isTestModeEnabled())
    return buttons.testFlag(QMessageBox::Discard) ? QMessageBox::Discard : QMessageBox::Yes;
  QMessageBox box(QMessageBox::Question, tr("Bilevel Studio"), question, buttons, window_);
  box.setObjectName(QStringLiteral("promptDialog"));
  box.setDefaultButton(defaultButton);
  return QMessageBox::StandardButton(box.exec());
}

bool FileActions::maybeSave(const QString& before) {
  if (!window_->document()->isModified()) return true;
  const QString name =
      sessionPath_.isEmpty() ? tr("this session") : QFileInfo(sessionPath_).fileName();
  return askToSave(tr("Save the changes to %1 before %2?").arg(name, before), [this] {
    QString path = sessionPath_;
    if (path.isEmpty()) {
      path = askSavePath(tr("Save the session"), tr("session"), tr("Studio sessions (*.json)"));
    }
    return !path.isEmpty() && saveSession(path);
  });
}

bool FileActions::askToSave(const QString& question, const std::function<bool()>& save) {
  switch (ask(question, QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel,
              QMessageBox::Save)) {
    case QMessageBox::Save:
      return save();
    case QMessageBox::Discard:
      return true;
    default:
      return false;
  }
}

void FileActions::setSessionPath(const QString& path) {
  sessionPath_ = path;
  emit nameChanged();
}

void FileActions::setRecoveredAt(const QDateTime& savedAt) {
  recoveredAt_ = savedAt;
  emit nameChanged();
}

QString FileActions::documentName() const {
  QString name = sessionPath_.isEmpty() ? QString() : QFileInfo(sessionPath_).fileName();
  if (name.isEmpty() && !window_->document()->pair().name.empty())
    name = QString::fromStdString(window_->document()->pair().name);
  if (recoveredAt_.isValid()) {
    name = tr("%1 (recovered, autosaved %2)")
               .arg(name, QLocale().toString(recoveredAt_, QLocale::ShortFormat));
  }
  return name;
}

void FileActions::refuseToOverwriteInputs(const QString& output, bool includeSession) const {
  const std::filesystem::path target = toPath(output);
  for (const auto& input : inputImagePaths(window_->configuration()))
    refuseToOverwrite(input, target);
  if (includeSession && !sessionPath_.isEmpty()) refuseToOverwrite(toPath(sessionPath_), target);
}

bool FileActions::saveSession(const QString& path) {
  return window_->attempt(tr("Cannot save the session"), [&] {
    refuseToOverwriteInputs(path, false);
    const StudioDocument& document = *window_->document();
    writeSessionFile(toPath(path),
                     SessionRecord{document.configuration(), document.startParameters(),
                                   document.history(), document.segmentStarts()});
    window_->document()->markSaved();
    sessionPath_ = path;
    recoveredAt_ = QDateTime();  // saved under a name of its own now
    addRecentFile(path);
    rememberSaveDirectory(path);
    emit nameChanged();
    window_->statusReport()->say(tr("Session saved to %1").arg(path));
  });
}

bool FileActions::exportReconstruction(const QString& name) {
  // A name without an extension is a PNG (OpenCV would refuse it with its internal message).
  const QString path = withExtension(name, QStringLiteral("(*.png)"));
  return window_->attempt(tr("Cannot save the image"), [&] {
    const Image& reconstruction = window_->imageGrid()->reconstruction();
    if (reconstruction.size() == 0) throw usageError("there is no reconstruction yet");
    refuseToOverwriteInputs(path, true);
    const int depth = window_->document()->pair().clean.sourceBitDepth == 16 ? 16 : 8;
    writeImage(reconstruction, toPath(path), depth);
    rememberSaveDirectory(path);
    window_->statusReport()->say(tr("Reconstruction saved to %1").arg(path));
  });
}

bool FileActions::exportParameters(const QString& path) {
  return window_->attempt(tr("Cannot save the parameters"), [&] {
    const std::optional<ParameterLayout>& layout = window_->parameterLayout();
    const Vector& theta = window_->parameters();
    if (!layout || theta.size() != layout->size()) throw usageError("no parameters yet");
    refuseToOverwriteInputs(path, true);
    writeTextFileAtomically(toPath(path), parametersJson(*layout, theta).dump(2) + "\n");
    rememberSaveDirectory(path);
  });
}

bool FileActions::exportLearnedModel(const QString& name) {
  const QString path = withExtension(name, QStringLiteral("(*.json)"));
  return window_->attempt(tr("Cannot save the learned model"), [&] {
    const StudioDocument& document = *window_->document();
    const Vector& theta = window_->parameters();
    if (!document.hasImages() || theta.size() == 0) throw usageError("no parameters yet");
    const Configuration& configuration = document.configuration();
    // The model is rebuilt here only for its layout and name: cheap (no solve), and the GUI
    // thread never touches the worker's.
    const std::unique_ptr<LowerLevel> model = makeModel(configuration, document.pair().noisy);
    if (theta.size() != model->parameterCount()) throw usageError("no parameters yet");
    const std::vector<Snapshot>& history = document.history();
    nlohmann::json training = {{"image", document.pair().name},
                               {"sigma", configuration.json()["noise"]["sigma"]},
                               {"steps", history.empty() ? 0 : history.back().iteration},
                               {"method", configuration.json()["hypergradient"]["method"]},
                               {"optimizer", configuration.json()["outer"]["optimizer"]},
                               {"psnr", window_->document()->psnr()},
                               {"source", "bilevel-studio"}};
    refuseToOverwriteInputs(path, true);
    writeTextFileAtomically(
        toPath(path), learnedModelJson(configuration, *model, theta, training).dump(1) + "\n");
    rememberSaveDirectory(path);
    window_->statusReport()->say(tr("Learned model saved to %1").arg(path));
  });
}

bool FileActions::exportHistory(const QString& path) {
  return window_->attempt(tr("Cannot save the history"), [&] {
    const std::optional<ParameterLayout>& layout = window_->parameterLayout();
    if (!layout) throw usageError("no model yet");
    refuseToOverwriteInputs(path, true);
    writeTextFileAtomically(toPath(path), historyCsv(*layout, window_->history()));
    rememberSaveDirectory(path);
  });
}

bool FileActions::exportPlots(const QString& name) {
  const QString path = withExtension(name, QStringLiteral("(*.png)"));
  return window_->attempt(tr("Cannot save the plots"), [&] {
    refuseToOverwriteInputs(path, true);
    QString error;
    const bool ok = path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)
                        ? window_->plots()->exportSvg(path, &error)
                        : window_->plots()->exportPng(path, &error);
    if (!ok) throw inputError(error.toStdString());
  });
}

}  // namespace bilevel::studio
