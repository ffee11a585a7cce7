// The studio's dataset mode (issue 11 §3): open a dataset, train with pause, resume and stop, the
// live curves, filters and per-image table, apply the learned model to the open image (undoable),
// save and load it, and a bad folder that changes nothing.
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>
#include <cmath>
#include <cstring>

#include "StudioTestSupport.h"
#include "app/studio/DatasetMode.h"
#include "app/studio/DatasetPage.h"
#include "app/studio/FileActions.h"
#include "app/studio/MainWindow.h"
#include "app/studio/StatusReport.h"
#include "data/Dataset.h"
#include "learning/DatasetLearning.h"
#include "learning/LearnedModel.h"
#include "widgets/DatasetImageList.h"
#include "widgets/DatasetSettingsForm.h"
#include "widgets/FilterBankView.h"
#include "widgets/ImageView.h"
#include "widgets/LearnedFiltersPanel.h"
#include "widgets/LearningPlots.h"
#include "widgets/PerImageTable.h"
#include "widgets/SeriesPlot.h"

using namespace bilevel;
using studio::DatasetMode;
using studio::MainWindow;
using namespace studio::test;

namespace {

constexpr int kSteps = 12;

// A Fields of Experts of 4 filters of 3×3 (or another preset's model) on 4 generated 32² dead
// leaves, one held out: a step takes a fraction of a second.
Configuration smallDataset(const std::string& preset = "foe-24x5-denoise") {
  Configuration c = presetOn("benchmark:32", preset);
  c.merge({{"model", {{"filters", 4}, {"filter_size", 3}, {"nu", 0.0015}}},
           {"dataset", {{"count", 4}, {"size", 32}, {"validation", 0.25}}},
           {"train", {{"steps", kSteps}, {"validate_every", 3}, {"threads", 1}}}},
          "test");
  return c;
}

bool applyAndWait(MainWindow& window, const Configuration& configuration) {
  QSignalSpy preview(&window, &MainWindow::previewShown);
  window.applyConfiguration(configuration);
  return waitFor(preview);
}

bool openDatasetAndWait(MainWindow& window, const QString& folder) {
  QSignalSpy opened(window.datasetMode(), &DatasetMode::datasetOpened);
  if (!window.datasetMode()->openDataset(folder)) return false;
  return waitFor(opened);
}

// Shows the window, applies `configuration` and opens the generated dead leaves: how most cases
// begin.
bool openSmallDataset(MainWindow& window, const Configuration& configuration) {
  return showAndWait(window) && applyAndWait(window, configuration) &&
         openDatasetAndWait(window, QStringLiteral("generated:dead-leaves"));
}

// Trains until the run ends; returns how it ended.
QString trainAndWait(DatasetMode& mode) {
  QSignalSpy finished(&mode, &DatasetMode::runFinished);
  mode.train();
  if (!waitFor(finished)) return QStringLiteral("timeout");
  return finished.last().at(0).toString();
}

bool ended(const QString& reason) {
  return reason == QLatin1String("iteration-limit") || reason == QLatin1String("converged");
}

bool same(const Vector& a, const Vector& b) {
  return a.size() == b.size() && (a.size() == 0 || a == b);
}

double maxRelativeDifference(const Vector& a, const Vector& b) {
  if (a.size() != b.size()) return INFINITY;
  return ((a - b).cwiseAbs().array() / (b.cwiseAbs().array() + 1e-300)).maxCoeff();
}

}  // namespace

class DatasetModeTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { isolateSettings(QStringLiteral("BilevelDatasetModeTest")); }

  void aDatasetOpensWithItsImagesAndSplit() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(applyAndWait(window, smallDataset()));
    const int undoBefore = window.document()->undoStack()->count();
    DatasetMode& mode = *window.datasetMode();
    QVERIFY(!mode.active());
    QVERIFY(openDatasetAndWait(window, QStringLiteral("generated:dead-leaves")));
    QVERIFY(mode.active());
    QCOMPARE(mode.state(), DatasetMode::State::Ready);
    // The single image's analysis dock gives the page its room, and comes back with the images.
    auto* analysis = window.findChild<QDockWidget*>(QStringLiteral("AnalysisDock"));
    QVERIFY(analysis && !analysis->isVisible());
    window.showAnalysisPage(window.plots());
    QVERIFY(!mode.active());
    QVERIFY(analysis->isVisible());
    mode.setActive(true);
    QVERIFY(!analysis->isVisible());
    auto* list = mode.page()->images();
    QCOMPARE(list->imageCount(), 4);
    QCOMPARE(list->validationCount(), 1);
    QVERIFY(mode.page()->summary().contains(QStringLiteral("dead-leaves")));
    // The open is one undoable edit of dataset.folder; undo forgets the dataset.
    QCOMPARE(window.configuration().json()["dataset"]["folder"].get<std::string>(),
             std::string("generated:dead-leaves"));
    QCOMPARE(window.document()->undoStack()->count(), undoBefore + 1);
    window.undo();
    QCOMPARE(window.configuration().json()["dataset"]["folder"].get<std::string>(), std::string());
    QCOMPARE(list->imageCount(), 0);
    QCOMPARE(mode.state(), DatasetMode::State::Empty);
  }

  // File › Open Generated Dataset lists the core's generators, each opening its own.
  void theGeneratedDatasetMenuListsTheCoresGenerators() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(applyAndWait(window, smallDataset()));
    QStringList listed;
    for (const QAction* action : window.findChildren<QAction*>()) {
      if (action->objectName().startsWith(QLatin1String("openGenerated:")))
        listed << action->objectName().mid(int(std::strlen("openGenerated:")));
    }
    QStringList generators;
    for (const ImageGenerator& generator : imageGenerators())
      generators << QString::fromStdString(generator.name);
    listed.sort();
    generators.sort();
    QCOMPARE(listed, generators);
    for (const ImageGenerator& generator : imageGenerators()) {
      auto* action = window.findChild<QAction*>(QStringLiteral("openGenerated:") +
                                                QString::fromStdString(generator.name));
      QVERIFY(action);
      QCOMPARE(action->toolTip().toStdString(), generator.description);
      QSignalSpy opened(window.datasetMode(), &DatasetMode::datasetOpened);
      action->trigger();
      QVERIFY(waitFor(opened));
      QCOMPARE(window.configuration().json()["dataset"]["folder"].get<std::string>(),
               generatedFolder(generator.kind));
      QVERIFY(
          window.datasetMode()->page()->summary().contains(QString::fromStdString(generator.name)));
    }
  }

  void aBadFolderShowsAnErrorAndKeepsTheDocument() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(applyAndWait(window, smallDataset()));
    QVERIFY(openDatasetAndWait(window, QStringLiteral("generated:dead-leaves")));
    const nlohmann::json before = window.configuration().json();
    const int undoBefore = window.document()->undoStack()->count();
    const Image shown = window.reconstructionView()->image();
    DatasetMode& mode = *window.datasetMode();

    QTemporaryDir empty;
    QSignalSpy errors(&window, &MainWindow::errorShown);
    mode.openDataset(empty.path());
    QVERIFY(waitFor(errors));
    QVERIFY2(window.lastError().contains(empty.path()), qPrintable(window.lastError()));

    QTemporaryDir broken;
    writeBenchmarkPng(broken, 32, QStringLiteral("good.png"));
    {
      QFile bad(broken.filePath(QStringLiteral("broken.png")));
      QVERIFY(bad.open(QIODevice::WriteOnly));
      bad.write("not a picture");
    }
    mode.openDataset(broken.path());
    QVERIFY(waitFor(errors, 2));
    QVERIFY2(window.lastError().contains(QStringLiteral("broken.png")),
             qPrintable(window.lastError()));

    mode.openDataset(broken.filePath(QStringLiteral("no-such-folder")));
    QVERIFY(waitFor(errors, 3));
    QVERIFY(window.lastError().contains(QStringLiteral("no-such-folder")));

    // Nothing changed: the document, its undo stack, the image, the dataset shown.
    QCOMPARE(window.configuration().json(), before);
    QCOMPARE(window.document()->undoStack()->count(), undoBefore);
    QCOMPARE(window.reconstructionView()->image().pixels, shown.pixels);
    QCOMPARE(mode.page()->images()->imageCount(), 4);
    QCOMPARE(mode.state(), DatasetMode::State::Ready);
  }

  void trainingPausesResumesExactlyAndFillsTheViews() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(applyAndWait(window, smallDataset()));
    QVERIFY(openDatasetAndWait(window, QStringLiteral("generated:dead-leaves")));
    DatasetMode& mode = *window.datasetMode();

    // An uninterrupted run: the reference.
    const QString reference = trainAndWait(mode);
    QVERIFY2(ended(reference), qPrintable(reference + QStringLiteral(": ") + window.lastError()));
    const Vector uninterrupted = mode.parameters();
    const int steps = mode.lastStep();
    QVERIFY(uninterrupted.size() > 0);
    QVERIFY(steps >= 3);

    // The same run paused after its third step, then resumed: the same θ.
    QSignalSpy stepsShown(&mode, &DatasetMode::stepShown);
    QSignalSpy finished(&mode, &DatasetMode::runFinished);
    // The worker pauses itself after step 3: a pause pressed from the test's event loop could
    // land after the last step of a run this small on a loaded machine (it did, in CI-like runs).
    mode.pauseAfterStep(3);
    mode.train();
    QVERIFY(mode.running());
    QVERIFY(waitFor(finished));
    QCOMPARE(finished.last().at(0).toString(), QStringLiteral("paused"));
    QCOMPARE(mode.state(), DatasetMode::State::Paused);
    const int pausedAt = mode.lastStep();
    QCOMPARE(pausedAt, 3);
    QVERIFY2(pausedAt < steps, "the pause came after the last step");
    QVERIFY(!mode.modelText().isEmpty());  // what it learned so far can be saved
    mode.resume();
    QVERIFY(waitFor(finished, 2));
    QVERIFY2(ended(finished.last().at(0).toString()), qPrintable(finished.last().at(0).toString()));
    QCOMPARE(mode.lastStep(), steps);
    QVERIFY2(maxRelativeDifference(mode.parameters(), uninterrupted) <= 1e-12,
             qPrintable(QString::number(maxRelativeDifference(mode.parameters(), uninterrupted))));

    // Each step once on the curves (no repeat at the resume), validation every 3 steps and at
    // the end.
    auto* curves = mode.page()->curves();
    QCOMPARE(curves->dataCount(mode.page()->trainingSeries()), steps + 1);
    QVERIFY(curves->dataCount(mode.page()->validationSeries()) >= steps / 3);
    // The table: the held-out image at the last step, better than noisy.
    auto* table = mode.page()->table();
    QCOMPARE(table->imageCount(), 1);
    QCOMPARE(table->step(), steps);
    const widgets::ImagePsnrRow& row = table->results().front();
    QVERIFY(std::isfinite(row.noisy) && std::isfinite(row.reconstructed));
    QVERIFY2(row.reconstructed > row.noisy, qPrintable(QString::number(row.reconstructed)));
    // The filters of θ, as the model describes them.
    QVERIFY(mode.page()->filtersVisible());
    QCOMPARE(mode.page()->filters()->bank()->filterCount(), 4);
    QVERIFY(mode.page()->filters()->penalty().has_value());
  }

  // At a validation step the table shows the samples the core has just solved for the step's
  // validation PSNR, grouped by image: the rows' mean over all samples is the validation curve's
  // point of the same step, to rounding. Two held-out images of two patches each, so that the
  // grouping into rows counts.
  void theTableIsTheCoresValidation() {
    MainWindow window;
    Configuration c = smallDataset();
    c.merge({{"dataset", {{"count", 8}, {"patch_size", 16}, {"patches", 2}}}}, "test");
    QVERIFY(openSmallDataset(window, c));
    DatasetMode& mode = *window.datasetMode();
    auto* curves = mode.page()->curves();
    const int validation = mode.page()->validationSeries();
    auto* table = mode.page()->table();
    QStringList mismatches;
    int tables = 0;
    connect(&mode, &DatasetMode::tableFilled, this, [&] {
      ++tables;
      const QPointF point = curves->dataPoint(validation, curves->dataCount(validation) - 1);
      double sum = 0.0;
      int samples = 0;
      for (const widgets::ImagePsnrRow& row : table->results()) {
        sum += row.samples * row.reconstructed;
        samples += row.samples;
      }
      if (int(point.x()) != table->step() || samples != 4 ||
          std::abs(sum / samples - point.y()) > 1e-9) {
        mismatches << QStringLiteral("step %1: table %2 dB over %3 samples, curve %4 dB at %5")
                          .arg(table->step())
                          .arg(sum / samples, 0, 'g', 17)
                          .arg(samples)
                          .arg(point.y(), 0, 'g', 17)
                          .arg(point.x());
      }
    });
    QVERIFY(ended(trainAndWait(mode)));
    QCOMPARE(table->imageCount(), 2);
    // One table per validation (steps 0, 3, 6, … and the last).
    QVERIFY(tables >= 2);
    QCOMPARE(tables, curves->dataCount(validation));
    QVERIFY2(mismatches.isEmpty(), qPrintable(mismatches.join(QStringLiteral("; "))));
  }

  void stopKeepsTheLastStepsParameters() {
    MainWindow window;
    Configuration c = smallDataset();
    c.set("train.steps=1000");
    QVERIFY(openSmallDataset(window, c));
    DatasetMode& mode = *window.datasetMode();
    QSignalSpy finished(&mode, &DatasetMode::runFinished);
    mode.train();
    QTRY_VERIFY_WITH_TIMEOUT(mode.lastStep() >= 2, kTimeoutMs);
    mode.stop();
    QVERIFY(waitFor(finished));
    QCOMPARE(finished.last().at(0).toString(), QStringLiteral("cancelled"));
    QCOMPARE(mode.state(), DatasetMode::State::Ready);
    QVERIFY(mode.lastStep() < 1000);
    const LearnedModel learned = [&] {
      QTemporaryDir dir;
      const QString path = dir.filePath(QStringLiteral("model.json"));
      if (!mode.saveModel(path)) return LearnedModel{};
      return readLearnedModel(path.toStdString());
    }();
    QVERIFY(same(learned.theta, mode.parameters()));
    QCOMPARE(learned.training["steps"].get<int>(), mode.lastStep());
  }

  void theTrainedModelAppliesToTheOpenImageAndUndoRestoresIt() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    Configuration c = smallDataset();
    c.set("train.steps=4");
    QVERIFY(applyAndWait(window, c));
    const Image before = window.reconstructionView()->image();
    const Vector startBefore = window.document()->startParameters();
    QVERIFY(openDatasetAndWait(window, QStringLiteral("generated:dead-leaves")));
    DatasetMode& mode = *window.datasetMode();
    QVERIFY(ended(trainAndWait(mode)));
    const int undoBefore = window.document()->undoStack()->count();

    QSignalSpy preview(&window, &MainWindow::previewShown);
    QVERIFY(mode.applyToImage());
    QVERIFY(waitFor(preview));
    QVERIFY(same(window.document()->startParameters(), mode.parameters()));
    QCOMPARE(window.document()->undoStack()->count(), undoBefore + 1);
    const Image applied = window.reconstructionView()->image();
    QCOMPARE(applied.pixels.size(), before.pixels.size());
    QVERIFY((applied.pixels - before.pixels).norm() > 1e-6 * before.pixels.norm());

    window.undo();
    QVERIFY(settle(window));
    QVERIFY(same(window.document()->startParameters(), startBefore));
    QVERIFY((window.reconstructionView()->image().pixels - before.pixels).norm() <=
            1e-6 * before.pixels.norm());
  }

  void aSavedModelLoadsAndIsMeasured() {
    MainWindow window;
    Configuration c = smallDataset();
    c.set("train.steps=3");
    QVERIFY(openSmallDataset(window, c));
    DatasetMode& mode = *window.datasetMode();
    QVERIFY(ended(trainAndWait(mode)));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("learned"));  // .json is added
    QVERIFY(mode.saveModel(path));
    const LearnedModel saved = readLearnedModel((path + QStringLiteral(".json")).toStdString());
    QVERIFY(same(saved.theta, mode.parameters()));
    QCOMPARE(saved.model["filters"].get<int>(), 4);

    // A fresh window loads it: its filters show and the table measures it.
    MainWindow other;
    QVERIFY(showAndWait(other));
    QVERIFY(applyAndWait(other, c));
    QVERIFY(openDatasetAndWait(other, QStringLiteral("generated:dead-leaves")));
    DatasetMode& loaded = *other.datasetMode();
    QSignalSpy filled(&loaded, &DatasetMode::tableFilled);
    QVERIFY(loaded.loadModel(path + QStringLiteral(".json")));
    QVERIFY(waitFor(filled));
    QVERIFY(same(loaded.parameters(), saved.theta));
    QCOMPARE(loaded.page()->table()->imageCount(), 1);
    // Solved cold here, warm at the end of training: the same to within the solver's tolerance.
    QVERIFY(std::abs(loaded.page()->table()->results().front().reconstructed -
                     mode.page()->table()->results().front().reconstructed) < 0.01);
    QCOMPARE(loaded.page()->filters()->bank()->filterCount(), 4);

    // A file that is not a learned model is refused, naming it.
    const QString bogus = dir.filePath(QStringLiteral("bogus.json"));
    {
      QFile file(bogus);
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write("{\"format\": \"something else\"}");
    }
    QVERIFY(!loaded.loadModel(bogus));
    QVERIFY(other.lastError().contains(QStringLiteral("bogus.json")));
  }

  void aModelWithoutFiltersShowsNone() {
    MainWindow window;
    Configuration c = smallDataset("tv-denoise");
    c.set("train.steps=2");
    QVERIFY(openSmallDataset(window, c));
    DatasetMode& mode = *window.datasetMode();
    QVERIFY(ended(trainAndWait(mode)));
    QVERIFY(!mode.page()->filtersVisible());
    QCOMPARE(mode.page()->table()->imageCount(), 1);
  }

  void datasetSettingsAreUndoableEdits() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(applyAndWait(window, smallDataset()));
    QVERIFY(openDatasetAndWait(window, QStringLiteral("generated:dead-leaves")));
    DatasetMode& mode = *window.datasetMode();
    auto* patch = qobject_cast<QSpinBox*>(
        mode.page()->settings()->editor(QStringLiteral("dataset.patch_size")));
    auto* patches = mode.page()->settings()->editor(QStringLiteral("dataset.patches"));
    QVERIFY(patch && patches);
    QVERIFY(!patches->isEnabled());  // greyed for whole images, never hidden
    QVERIFY(patches->isVisible());
    const int undoBefore = window.document()->undoStack()->count();
    patch->setValue(16);
    QCOMPARE(window.configuration().json()["dataset"]["patch_size"].get<int>(), 16);
    QCOMPARE(window.document()->undoStack()->count(), undoBefore + 1);
    QVERIFY(patches->isEnabled());
    // A dataset setting does not touch the open image: no reload, no new segment.
    QCOMPARE(window.activity(), MainWindow::Activity::Idle);
    QVERIFY(!window.document()->segmentPending());

    // The split changes with the validation fraction: the list follows.
    QSignalSpy opened(&mode, &DatasetMode::datasetOpened);
    auto* fraction = qobject_cast<QDoubleSpinBox*>(
        mode.page()->settings()->editor(QStringLiteral("dataset.validation")));
    QVERIFY(fraction);
    fraction->setValue(0.5);
    QVERIFY(waitFor(opened));
    QCOMPARE(mode.page()->images()->validationCount(), 2);

    window.undo();
    QVERIFY(waitFor(opened, 2));
    QCOMPARE(mode.page()->images()->validationCount(), 1);
    window.undo();
    QCOMPARE(window.configuration().json()["dataset"]["patch_size"].get<int>(), 0);
    QCOMPARE(patch->value(), 0);
    QVERIFY(!patches->isEnabled());
  }

  // After Load Model, "Start from" offers its θ (train.initial_model, an undoable edit that a
  // saved session keeps), and loading brings the file's model settings: the next run's first step
  // is the core's first step from that file, bit for bit, and the model it learns names where it
  // started. A model the file does not describe is refused, naming the file and the setting.
  void trainingContinuesFromALoadedModel() {
    MainWindow window;
    Configuration c = smallDataset();
    c.set("train.steps=3");
    QVERIFY(openSmallDataset(window, c));
    QVERIFY(ended(trainAndWait(*window.datasetMode())));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("start.json"));
    QVERIFY(window.datasetMode()->saveModel(path));
    const Vector start = window.datasetMode()->parameters();

    // Another window, its panel on six filters: the loaded model's four come with the file.
    MainWindow other;
    QVERIFY(showAndWait(other));
    Configuration six = c;
    six.set("model.filters=6");
    QVERIFY(applyAndWait(other, six));
    QVERIFY(openDatasetAndWait(other, QStringLiteral("generated:dead-leaves")));
    DatasetMode& mode = *other.datasetMode();
    auto* choice = qobject_cast<QComboBox*>(
        mode.page()->settings()->editor(QStringLiteral("train.initial_model")));
    QVERIFY(choice);
    QCOMPARE(choice->count(), 1);  // nothing loaded: the default parameters only
    QUndoStack* undo = other.document()->undoStack();
    const int undoBefore = undo->count();
    QSignalSpy filled(&mode, &DatasetMode::tableFilled);
    QVERIFY(mode.loadModel(path));
    QVERIFY(waitFor(filled));
    QCOMPARE(other.configuration().json()["model"]["filters"].get<int>(), 4);
    QCOMPARE(undo->count(), undoBefore + 1);
    QCOMPARE(choice->count(), 2);
    QCOMPARE(choice->currentIndex(), 0);  // offered, not chosen
    QVERIFY(!mode.modelUnsaved());

    emit choice->activated(1);
    QCOMPARE(undo->count(), undoBefore + 2);
    QCOMPARE(other.configuration().json()["train"]["initial_model"].get<std::string>(),
             path.toStdString());
    QCOMPARE(choice->currentIndex(), 1);
    other.undo();
    QCOMPARE(other.configuration().json()["train"]["initial_model"].get<std::string>(), "");
    QCOMPARE(choice->currentIndex(), 0);
    other.redo();
    QCOMPARE(choice->currentIndex(), 1);
    const QString session = dir.filePath(QStringLiteral("session.json"));
    QVERIFY(other.saveSession(session));
    {
      QFile file(session);
      QVERIFY(file.open(QIODevice::ReadOnly));
      const nlohmann::json saved = nlohmann::json::parse(file.readAll().toStdString());
      QCOMPARE(saved["configuration"]["train"]["initial_model"].get<std::string>(),
               path.toStdString());
    }

    // One step from there is the core's first step from the file.
    other.document()->editSetting(QStringLiteral("train.steps"), 1);
    QVERIFY(ended(trainAndWait(mode)));
    const Configuration used = other.configuration();
    const Dataset dataset(DatasetOptions::fromConfiguration(used));
    const auto reference = makeLearningAlgorithm(dataset, used);
    QVERIFY(same(reference->parameters(), start));
    reference->step();  // step 0 measures the start
    reference->step();
    QVERIFY(same(mode.parameters(), reference->parameters()));
    QVERIFY(!same(mode.parameters(), start));
    const nlohmann::json learned = nlohmann::json::parse(mode.modelText().toStdString());
    QCOMPARE(learned["training"]["initial_model"].get<std::string>(), path.toStdString());
    QVERIFY(mode.modelUnsaved());

    // Loading another model while "Start from" names the first: the next Train starts from the
    // one just loaded (the same undoable edit), not silently from the first file.
    const QString next = dir.filePath(QStringLiteral("next.json"));
    QVERIFY(mode.saveModel(next));
    const int loadsBefore = int(filled.count());
    QVERIFY(mode.loadModel(next));
    QVERIFY(waitFor(filled, loadsBefore + 1));
    QCOMPARE(other.configuration().json()["train"]["initial_model"].get<std::string>(),
             next.toStdString());
    QCOMPARE(choice->currentIndex(), 1);
    QCOMPARE(choice->itemData(1).toString(), next);
    other.undo();
    QCOMPARE(other.configuration().json()["train"]["initial_model"].get<std::string>(),
             path.toStdString());
    other.redo();

    // Five filters do not fit the file's four: the run is refused and says why.
    other.document()->editSetting(QStringLiteral("model.filters"), 5);
    QCOMPARE(trainAndWait(mode), QStringLiteral("failed"));
    QVERIFY2(other.lastError().contains(QStringLiteral("next.json")) &&
                 other.lastError().contains(QStringLiteral("model.filters")),
             qPrintable(other.lastError()));
  }

  // Quitting with a model learned here and not saved asks Save / Discard / Cancel, as for an
  // unsaved session (FileActions::askToSave): Cancel keeps the window, Save asks where and writes
  // it; a saved model asks nothing.
  void quittingAsksToSaveTheLearnedModel() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("quit.json"));
    QStringList asked;
    QMessageBox::StandardButton answer = QMessageBox::Cancel;
    MainWindow::setPromptAnswer([&](const QString& question, QMessageBox::StandardButtons) {
      const bool model = question.contains(QStringLiteral("model learned on the dataset"));
      if (model) asked << question;
      return model ? answer : QMessageBox::Discard;  // the session's own question
    });
    studio::FileActions::setSaveDialog(
        [&](const QString&, const QString&, const QString&, QString*) { return path; });
    // The hooks capture this function's locals: a failed check must not leave them to later tests.
    const auto resetHooks = qScopeGuard([] {
      MainWindow::setPromptAnswer({});
      studio::FileActions::setSaveDialog({});
    });
    {
      MainWindow window;
      Configuration c = smallDataset();
      c.set("train.steps=2");
      QVERIFY(openSmallDataset(window, c));
      DatasetMode& mode = *window.datasetMode();
      QVERIFY(ended(trainAndWait(mode)));
      QVERIFY(mode.modelUnsaved());
      QVERIFY(!window.close());
      QCOMPARE(asked.size(), 1);
      QVERIFY(window.isVisible());
      answer = QMessageBox::Save;
      QVERIFY(window.close());
      QCOMPARE(asked.size(), 2);
      QVERIFY(same(readLearnedModel(path.toStdString()).theta, mode.parameters()));
      QVERIFY(!mode.modelUnsaved());
    }
    {
      MainWindow window;
      Configuration c = smallDataset();
      c.set("train.steps=2");
      QVERIFY(openSmallDataset(window, c));
      QVERIFY(ended(trainAndWait(*window.datasetMode())));
      QVERIFY(window.datasetMode()->saveModel(dir.filePath(QStringLiteral("kept.json"))));
      QVERIFY(window.close());
      QCOMPARE(asked.size(), 2);
    }
  }

  // Quitting during a run, "Stop it and quit?" → Yes: the window waits for the run to stop, then
  // asks to save the θ that run reached (which reaches the mode only when it has stopped).
  void quittingDuringARunAsksToSaveItsModel() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("stopped.json"));
    QStringList asked;
    MainWindow::setPromptAnswer([&](const QString& question, QMessageBox::StandardButtons) {
      asked << question;
      if (question.contains(QStringLiteral("Stop it and quit"))) return QMessageBox::Yes;
      if (question.contains(QStringLiteral("model learned on the dataset")))
        return QMessageBox::Save;
      return QMessageBox::Discard;  // the session's own question
    });
    studio::FileActions::setSaveDialog(
        [&](const QString&, const QString&, const QString&, QString*) { return path; });
    const auto resetHooks = qScopeGuard([] {
      MainWindow::setPromptAnswer({});
      studio::FileActions::setSaveDialog({});
    });
    MainWindow window;
    Configuration c = smallDataset();
    c.set("train.steps=1000");
    QVERIFY(openSmallDataset(window, c));
    DatasetMode& mode = *window.datasetMode();
    QSignalSpy shown(&mode, &DatasetMode::stepShown);
    QSignalSpy finished(&mode, &DatasetMode::runFinished);
    mode.train();
    QVERIFY(waitFor(shown, 2));
    QVERIFY(mode.running());
    QVERIFY(!window.close());  // not yet: the run stops first
    QVERIFY(waitFor(finished));
    QCOMPARE(finished.last().at(0).toString(), QStringLiteral("cancelled"));
    QTRY_VERIFY(!window.isVisible());
    QVERIFY2(asked.filter(QStringLiteral("model learned on the dataset")).size() == 1,
             qPrintable(asked.join(QLatin1Char('\n'))));
    QVERIFY(QFile::exists(path));
    QVERIFY(mode.parameters().size() > 0);
    QVERIFY(same(readLearnedModel(path.toStdString()).theta, mode.parameters()));
    QVERIFY(!mode.modelUnsaved());
  }
};

QTEST_MAIN(DatasetModeTest)
#include "tst_dataset_mode.moc"
