#pragma once

// What the studio suites share: the wait for a signal on a loaded machine, settings kept apart
// from a user's and from other suites, benchmark images written as files, and the window driven
// through the slots its menus call (open, learn) until its answer arrives.

#include <QAction>
#include <QCoreApplication>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/MainWindow.h"
#include "config/Configuration.h"
#include "image/BenchmarkImage.h"
#include "image/ImageIO.h"

namespace bilevel::studio::test {

// Long enough for a learning step on a shared, loaded machine (and under the sanitizers); the
// waits return as soon as the signal arrives.
inline constexpr int kTimeoutMs = 120000;

// Waits until `spy` has recorded `count` signals; false when one does not come within kTimeoutMs.
inline bool waitFor(QSignalSpy& spy, int count = 1) {
  while (spy.count() < count) {
    if (!spy.wait(kTimeoutMs)) return false;
  }
  return true;
}

// The preset with its image replaced (a benchmark:<n> name or a file): a small, fast document.
inline Configuration presetOn(const std::string& image, const std::string& preset = "tv-denoise") {
  Configuration configuration = Configuration::fromPreset(preset);
  configuration.merge({{"image", image}}, "test");
  return configuration;
}

// Settings and autosaves in QStandardPaths' test locations, under the suite's own organisation
// (suites run at once under ctest and must not read each other's layout), starting empty.
inline void isolateSettings(const QString& organisation) {
  QStandardPaths::setTestModeEnabled(true);
  QCoreApplication::setOrganizationName(organisation);
  QSettings().clear();
}

// The benchmark image of side n as an 8-bit PNG in `dir`, named `name` (benchmark-<n>.png if
// empty).
inline QString writeBenchmarkPng(const QTemporaryDir& dir, int n, const QString& name = {}) {
  const QString path =
      dir.filePath(name.isEmpty() ? QStringLiteral("benchmark-%1.png").arg(n) : name);
  writeImage(benchmarkImage(n), path.toStdString(), 8);
  return path;
}

// The window's action with that object name (WindowMenus names each one).
inline QAction* action(MainWindow& window, const char* name) {
  return window.findChild<QAction*>(QString::fromLatin1(name));
}

// Opens `path` through File > Open's slot and waits for the first reconstruction.
inline bool openAndWait(MainWindow& window, const QString& path) {
  QSignalSpy preview(&window, &MainWindow::previewShown);
  window.openImage(path);
  return waitFor(preview);
}

// Runs `steps` learning steps through the Learn path and waits for the run to end.
inline bool learnAndWait(MainWindow& window, int steps) {
  QSignalSpy finished(&window, &MainWindow::learningFinished);
  window.learnSteps(steps);
  return waitFor(finished);
}

// Waits for the preview of the document's current state (a settings change may reload first);
// later previews supersede earlier ones, so it lets the last one arrive. True when the window is
// idle afterwards.
inline bool settle(MainWindow& window) {
  QSignalSpy preview(&window, &MainWindow::previewShown);
  if (!waitFor(preview)) {
    qWarning("no preview; activity %d", int(window.activity()));
    return false;
  }
  while (preview.wait(300)) {
  }
  return window.activity() == MainWindow::Activity::Idle;
}

// Shows the window and waits until the platform has exposed it (offscreen included).
inline bool showAndWait(MainWindow& window) {
  window.show();
  return QTest::qWaitForWindowExposed(&window);
}

}  // namespace bilevel::studio::test
