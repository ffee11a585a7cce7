#include "FileActions.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QMenu>
#include <QSettings>

#include "MainWindow.h"

namespace bilevel::studio {

namespace {

constexpr int kMaxRecentFiles = 8;

bool isSessionFile(const QString& path) {
  return path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) ||
         path.endsWith(QLatin1String(".bilevel"), Qt::CaseInsensitive);
}

}  // namespace

FileActions::FileActions(MainWindow* window) : QObject(window), window_(window) {}

void FileActions::populate(QMenu* file) {
  file->addAction(tr("&Open Image…"), QKeySequence::Open, window_, [this] {
    if (!window_->maybeSave(tr("opening another image"))) return;
    const QString path = QFileDialog::getOpenFileName(
        window_, tr("Open a clean image"), dialogDirectory(),
        tr("Images (*.png *.tif *.tiff *.jpg *.jpeg *.pgm *.bmp);;All files (*)"));
    if (!path.isEmpty()) window_->openImage(path);
  });
  file->addAction(tr("Open Noisy/Clean &Pair…"), QKeySequence(tr("Ctrl+Shift+O")), window_, [this] {
    if (!window_->maybeSave(tr("opening other images"))) return;
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
    if (!window_->maybeSave(tr("opening a session"))) return;
    const QString path =
        QFileDialog::getOpenFileName(window_, tr("Open a session"), dialogDirectory(),
                                     tr("Studio sessions (*.json);;All files (*)"));
    if (!path.isEmpty()) window_->openSession(path);
  });
  auto saveAs = [this] {
    const QString path = QFileDialog::getSaveFileName(
        window_, tr("Save the session"), dialogDirectory(), tr("Studio sessions (*.json)"));
    if (!path.isEmpty()) window_->saveSession(path);
  };
  file->addAction(tr("&Save Session"), QKeySequence::Save, window_, [this, saveAs] {
    if (window_->sessionPath().isEmpty()) {
      saveAs();
    } else {
      window_->saveSession(window_->sessionPath());
    }
  });
  file->addAction(tr("Save Session &As…"), QKeySequence::SaveAs, window_, saveAs);
  QMenu* exportMenu = file->addMenu(tr("&Export"));
  auto addExport = [this, exportMenu](const QString& label, const QString& filter,
                                      const QKeySequence& key,
                                      bool (MainWindow::*exporter)(const QString&)) {
    QAction* action = exportMenu->addAction(label, key, window_, [this, label, filter, exporter] {
      const QString path = QFileDialog::getSaveFileName(window_, label, dialogDirectory(), filter);
      if (!path.isEmpty()) (window_->*exporter)(path);
    });
    documentActions_.append(action);
  };
  addExport(tr("Reconstruction Image…"), tr("PNG images (*.png)"), QKeySequence(tr("Ctrl+E")),
            &MainWindow::exportReconstruction);
  addExport(tr("Parameters (JSON)…"), tr("JSON (*.json)"), {}, &MainWindow::exportParameters);
  addExport(tr("History (CSV)…"), tr("CSV (*.csv)"), {}, &MainWindow::exportHistory);
  addExport(tr("Plots (PNG or SVG)…"), tr("PNG image (*.png);;SVG drawing (*.svg)"), {},
            &MainWindow::exportPlots);
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
  if (!window_->maybeSave(tr("opening what was dropped"))) return;
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
          if (!window_->maybeSave(tr("opening %1").arg(QFileInfo(path).fileName()))) return;
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

}  // namespace bilevel::studio
