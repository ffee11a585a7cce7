#pragma once

#include <QObject>
#include <QString>

namespace bilevel::studio {

class MainWindow;
class StallMonitor;

// The studio without a person (DESIGN.md §4, `--learn-steps N --screenshot FILE`): waits for the
// images, runs N learning steps through the window's own Learn path, optionally the Jacobian
// diagnostics, renders the window to PNG files and quits with an exit code. With measureStall it
// also reports the GUI thread's longest stall during the run as one JSON line on stdout.
class ScriptedRun : public QObject {
  Q_OBJECT

 public:
  struct Options {
    int learnSteps = 0;
    QString screenshot;             // the main window after the steps
    QString diagnosticsScreenshot;  // the window with the diagnostics tab after running them
    bool measureStall = false;
    // The Analysis page the screenshot shows: "learning" (default), "diagnostics", "filters".
    QString page;
    // A dataset (a folder or generated:...) to open in the dataset mode; learnSteps then are
    // steps of dataset training (train.steps), and the screenshot shows the dataset page.
    QString dataset;
  };

  // Starts by itself once the window shows its first reconstruction.
  ScriptedRun(MainWindow& window, Options options);

 private:
  void onPreviewShown();
  void onLearningFinished(const QString& reason);
  void onDiagnosticsFinished(const QString& reason);
  void onDatasetOpened();
  void onDatasetFinished(const QString& reason);
  void finish();
  bool capture(const QString& path);
  void fail(const QString& message, int exitCode);

  MainWindow& window_;
  Options options_;
  StallMonitor* monitor_ = nullptr;
  bool started_ = false;
};

}  // namespace bilevel::studio
