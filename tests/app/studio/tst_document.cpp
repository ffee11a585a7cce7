// Issue 10 §1–3: the studio's document, its undo stack and the save prompt, driven as a person
// drives the window (the panel's widgets, the Edit menu's shortcuts, Ctrl+Q). Each test fails on
// the window before the document: a λ nudge wiped the history, Ctrl+Q quit at once, a preset
// left the panel showing the model and method of before.

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSlider>
#include <QUndoStack>

#include "StudioTestSupport.h"
#include "app/studio/RecoveryStore.h"
#include "app/studio/StudioDocument.h"
#include "learning/SessionFile.h"
#include "widgets/LearningPlots.h"
#include "widgets/ParameterPanel.h"
#include "widgets/SeriesPlot.h"

using namespace bilevel;
using studio::MainWindow;
using namespace studio::test;

namespace {

QComboBox* combo(MainWindow& window, const char* name) {
  return window.parameterPanel()->findChild<QComboBox*>(QString::fromLatin1(name));
}

// Picks `value` in the panel's list as a click would (activated is what a person's pick emits).
void pick(QComboBox* box, const QString& value) {
  const int index = box->findData(value);
  QVERIFY2(index >= 0, qPrintable(value));
  box->setCurrentIndex(index);
  emit box->activated(index);
}

void pressKeys(MainWindow& window, const QKeySequence& keys) {
  // Shortcuts reach the active window.
  window.activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(&window));
  QWidget* target = QApplication::focusWidget() ? QApplication::focusWidget() : &window;
  QTest::keySequence(target, keys);
  QCoreApplication::processEvents();
}

}  // namespace

class DocumentTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    isolateSettings(QStringLiteral("BilevelStudioDocumentTest"));
    QVERIFY(dir_.isValid());
    image_ = writeBenchmarkPng(dir_, 40, QStringLiteral("doc.png"));
  }
  void cleanup() { MainWindow::setPromptAnswer({}); }

  // Finding 1: a slider nudge after learning keeps the history (a new segment, marked on the
  // plots) and Ctrl+Z returns to the learned λ.
  void aLambdaNudgeAfterLearningKeepsTheHistoryAndUndoRestoresIt() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(openAndWait(window, image_));
    QVERIFY(learnAndWait(window, 2));
    const std::size_t rows = window.history().size();
    QCOMPARE(rows, std::size_t(3));
    const Vector learned = window.parameters();
    QVERIFY(std::abs(learned[0] - window.configuration().json()["model"]["lambda"].get<double>()) >
            1e-6);
    QVERIFY(window.isWindowModified());

    auto* slider = window.parameterPanel()->findChild<QSlider*>();
    QVERIFY(slider);
    // A drag: several positions, then the release; one undo step.
    for (int delta : {5, 9, 14})
      slider->setValue(slider->value() + delta);
    emit slider->sliderReleased();
    QVERIFY(settle(window));
    QCOMPARE(window.history().size(), rows);
    QCOMPARE(window.plots()->pointCount(), int(rows));
    QVERIFY(std::abs(window.parameters()[0] - learned[0]) > 1e-6);

    // Ctrl+Z: back to the learned λ, shown and previewed.
    pressKeys(window, QKeySequence(QStringLiteral("Ctrl+Z")));
    QVERIFY(settle(window));
    QCOMPARE(window.parameters()[0], learned[0]);
    QCOMPARE(window.document()->startParameters()[0], learned[0]);
    QCOMPARE(window.history().size(), rows);
    QVERIFY(std::abs(window.parameterPanel()->lambda() - learned[0]) <= 1e-5);  // 5 decimals

    // Redo the nudge, then learn: a new segment continues the numbering and is marked.
    pressKeys(window, QKeySequence(QStringLiteral("Ctrl+Shift+Z")));
    QVERIFY(settle(window));
    QVERIFY(std::abs(window.parameters()[0] - learned[0]) > 1e-6);
    QVERIFY(learnAndWait(window, 1));
    QCOMPARE(window.history().size(), rows + 2);  // its starting point and one step
    QCOMPARE(window.history()[rows].iteration, window.history()[rows - 1].iteration + 1);
    QCOMPARE(window.document()->segmentStarts().size(), std::size_t(1));
    QCOMPARE(window.plots()->segmentCount(), 1);
    QCOMPARE(window.plots()->lossPlot()->markerCount(), 1);
    QTRY_COMPARE(window.plots()->pointCount(), int(rows + 2));

    // The segments are saved with the session and come back with it, marked again.
    const QString session = dir_.filePath(QStringLiteral("segments.json"));
    QVERIFY(window.saveSession(session));
    QCOMPARE(readSessionFile(session.toStdString()).segmentStarts,
             window.document()->segmentStarts());
    {
      MainWindow reopened;
      QSignalSpy shown(&reopened, &MainWindow::previewShown);
      QVERIFY(reopened.openSession(session));
      QVERIFY(waitFor(shown));
      QCOMPARE(reopened.document()->segmentStarts(), window.document()->segmentStarts());
      QCOMPARE(reopened.plots()->segmentCount(), 1);
    }

    // Undo the run: θ and the history as before it, the marker gone.
    window.undo();
    QCOMPARE(window.history().size(), rows);
    QCOMPARE(window.plots()->pointCount(), int(rows));
    QCOMPARE(window.plots()->segmentCount(), 0);
    QCOMPARE(window.document()->startParameters().size(), 0);  // the nudged λ
    // The recovery file follows: the run's rows are gone from it too.
    window.recovery()->flush();
    const SessionRecord saved = readSessionFile(window.recovery()->path().toStdString());
    QCOMPARE(saved.history.size(), rows);
    QCOMPARE(saved.parameters.size(), 0);
  }

  // Finding 2: Ctrl+Q with unsaved changes asks; Cancel keeps the window, Save writes the
  // session and quits; while learning it asks to stop first.
  void quitWithUnsavedChangesAsks() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(openAndWait(window, image_));
    QVERIFY(!window.isWindowModified());
    QVERIFY(window.windowTitle().contains(QStringLiteral("[*]")));
    QVERIFY(learnAndWait(window, 1));
    QVERIFY(window.isWindowModified());

    QStringList questions;
    MainWindow::setPromptAnswer([&](const QString& question, QMessageBox::StandardButtons) {
      questions << question;
      return QMessageBox::Cancel;
    });
    pressKeys(window, QKeySequence(QStringLiteral("Ctrl+Q")));
    QCOMPARE(questions.size(), 1);
    QVERIFY2(questions.front().contains(QStringLiteral("Save")), qPrintable(questions.front()));
    QVERIFY(window.isVisible());

    // Saved under a name, then learning: asked to stop, and the window closes once the run has
    // stopped, after the save prompt (answered Save: written under that name).
    const QString session = dir_.filePath(QStringLiteral("quit.json"));
    QVERIFY(window.saveSession(session));
    QVERIFY(!window.isWindowModified());
    QVERIFY(QFile::remove(session));
    // An edit (whatever the run manages before Stop, the session is then modified).
    auto* lambda = window.parameterPanel()->findChild<QDoubleSpinBox*>("lambdaSpinBox");
    lambda->setValue(0.2);
    emit lambda->editingFinished();
    QVERIFY(window.isWindowModified());
    QSignalSpy finished(&window, &MainWindow::learningFinished);
    window.learnSteps(50);
    QCOMPARE(window.activity(), MainWindow::Activity::Learning);
    MainWindow::setPromptAnswer([&](const QString& question, QMessageBox::StandardButtons offered) {
      questions << question;
      return offered.testFlag(QMessageBox::Yes) ? QMessageBox::Yes : QMessageBox::Save;
    });
    QVERIFY(!window.close());
    QCOMPARE(questions.size(), 2);
    QVERIFY2(questions.back().contains(QStringLiteral("Stop")), qPrintable(questions.back()));
    QVERIFY(waitFor(finished));
    // The modified session is then offered for saving; Save writes it under its name.
    QTRY_VERIFY_WITH_TIMEOUT(!window.isVisible(), kTimeoutMs);
    QCOMPARE(questions.size(), 3);
    QVERIFY(QFile::exists(session));
  }

  // Finding 3: a preset after Quadratic / Unrolled shows the preset's model and method, and the
  // run uses them.
  void aPresetShowsItsModelAndMethodInThePanel() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(openAndWait(window, image_));
    pick(combo(window, "modelComboBox"), QStringLiteral("quadratic"));
    QVERIFY(settle(window));
    pick(combo(window, "methodComboBox"), QStringLiteral("unrolled"));
    QCOMPARE(window.configuration().modelType(), std::string("quadratic"));
    QCOMPARE(window.configuration().method(), std::string("unrolled"));
    const int iterations = window.configuration().json()["outer"]["iterations"].get<int>();

    auto* preset = window.parameterPanel()->findChild<QComboBox*>();  // the first: Task › Preset
    QVERIFY(preset);
    const int index = preset->findText(QStringLiteral("tv-denoise"));
    QVERIFY(index >= 0);
    preset->setCurrentIndex(index);
    emit preset->activated(index);
    QVERIFY(settle(window));
    const Configuration expected = Configuration::fromPreset("tv-denoise");
    QCOMPARE(window.configuration().modelType(), expected.modelType());
    QCOMPARE(window.configuration().method(), expected.method());
    QCOMPARE(combo(window, "modelComboBox")->currentData().toString().toStdString(),
             expected.modelType());
    QCOMPARE(combo(window, "methodComboBox")->currentData().toString().toStdString(),
             expected.method());
    QCOMPARE(combo(window, "solverComboBox")->currentData().toString().toStdString(),
             expected.solverType());
    QCOMPARE(preset->currentText(), QStringLiteral("tv-denoise"));
    QCOMPARE(window.configuration().json()["outer"]["iterations"].get<int>(), iterations);

    // The run: its status names the preset's method, and its θ is the preset model's.
    QVERIFY(learnAndWait(window, 1));
    QCOMPARE(window.history().back().parameters.size(), 1);
    QCOMPARE(window.configuration().method(), expected.method());

    // Undo the preset: the panel shows Quadratic / Unrolled again.
    window.undo();
    window.undo();
    QVERIFY(settle(window));
    QCOMPARE(combo(window, "modelComboBox")->currentData().toString(), QStringLiteral("quadratic"));
    QCOMPARE(combo(window, "methodComboBox")->currentData().toString(), QStringLiteral("unrolled"));
  }

  // Every edit kind is one undo step, and undoing them all and redoing them all round-trips.
  void theUndoStackRoundTripsEveryEditKind() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(openAndWait(window, image_));
    QUndoStack* stack = window.document()->undoStack();
    const int base = stack->index();  // the open
    std::vector<nlohmann::json> states{window.configuration().json()};
    std::vector<std::size_t> rows{window.history().size()};
    auto record = [&] {
      states.push_back(window.configuration().json());
      rows.push_back(window.history().size());
      QCOMPARE(stack->index(), base + int(states.size()) - 1);
    };
    auto* lambda = window.parameterPanel()->findChild<QDoubleSpinBox*>("lambdaSpinBox");
    lambda->setValue(0.07);
    emit lambda->editingFinished();
    QVERIFY(settle(window));
    record();
    pick(combo(window, "solverComboBox"), QStringLiteral("gradient-descent"));
    QVERIFY(settle(window));
    record();
    pick(combo(window, "methodComboBox"), QStringLiteral("unrolled"));
    record();
    pick(combo(window, "optimizerComboBox"), QStringLiteral("gradient-descent"));
    record();
    pick(combo(window, "modelComboBox"), QStringLiteral("quadratic"));
    QVERIFY(settle(window));
    record();
    QVERIFY(learnAndWait(window, 1));
    record();
    QVERIFY(window.loadPreset(QStringLiteral("tv-denoise")));
    QVERIFY(settle(window));
    record();
    const QString other = writeBenchmarkPng(dir_, 24, QStringLiteral("other.png"));
    QVERIFY(openAndWait(window, other));
    record();
    QCOMPARE(stack->count(), base + int(states.size()) - 1);

    for (int i = int(states.size()) - 2; i >= 0; --i) {
      window.undo();
      QVERIFY(settle(window) || window.activity() == MainWindow::Activity::Idle);
      QVERIFY2(window.configuration().json() == states[std::size_t(i)],
               qPrintable(QStringLiteral("undo to %1: %2").arg(i).arg(stack->undoText())));
      QCOMPARE(window.history().size(), rows[std::size_t(i)]);
      QCOMPARE(combo(window, "modelComboBox")->currentData().toString().toStdString(),
               window.configuration().modelType());
    }
    for (std::size_t i = 1; i < states.size(); ++i) {
      window.redo();
      QVERIFY(settle(window) || window.activity() == MainWindow::Activity::Idle);
      QVERIFY2(window.configuration().json() == states[i], qPrintable(QString::number(i)));
      QCOMPARE(window.history().size(), rows[i]);
    }
    QCOMPARE(window.reconstructionView() != nullptr, true);
  }

 private:
  QTemporaryDir dir_;
  QString image_;
};

QTEST_MAIN(DocumentTest)
#include "tst_document.moc"
