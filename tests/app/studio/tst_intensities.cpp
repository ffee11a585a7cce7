// Intensities in the data's units in the studio (issue 10 §4): a 16-bit file whose values fill
// 1000–3000 is shown, read out, windowed and exported in its own units, the panel says what σ and
// PSNR are relative to, and a colour file's conversion to grey is noted without a dialog.
// Runs offscreen (QT_QPA_PLATFORM=offscreen).

#include <QContextMenuEvent>
#include <QLabel>
#include <QMessageBox>
#include <QStatusBar>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "StudioTestSupport.h"
#include "widgets/ImageView.h"
#include "widgets/ParameterPanel.h"

using namespace bilevel;
using studio::MainWindow;
using namespace studio::test;

namespace {

// The phantom (0–255) at 40×40 as 16-bit 1000 + 2000·v/255.
cv::Mat phantom1000To3000() {
  cv::Mat full = cv::imread(BILEVEL_SOURCE_DIR "/sample_images/phantom.png", cv::IMREAD_UNCHANGED);
  cv::Mat small, scaled, out;
  cv::resize(full, small, cv::Size(40, 40), 0, 0, cv::INTER_NEAREST);
  small.convertTo(scaled, CV_64F, 2000.0 / 255.0, 1000.0);
  scaled.convertTo(out, CV_16U);
  return out;
}

QString labelText(const MainWindow& window, const char* name) {
  const auto* label = window.findChild<QLabel*>(QString::fromLatin1(name));
  return label ? label->text() : QStringLiteral("(no label %1)").arg(name);
}

}  // namespace

class IntensitiesTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void initTestCase() {
    isolateSettings(QStringLiteral("BilevelStudioIntensitiesTest"));
    QVERIFY(dir_.isValid());
  }

  void aSixteenBitFileIsShownAndExportedInItsUnits() {
    const QString path = dir_.filePath(QStringLiteral("p16.tif"));
    QVERIFY(cv::imwrite(path.toStdString(), phantom1000To3000()));
    MainWindow window;
    window.resize(1400, 900);
    QVERIFY(showAndWait(window));
    QVERIFY(openAndWait(window, path));
    QVERIFY(window.findChildren<QMessageBox*>().isEmpty());

    // The panel says what σ and PSNR are relative to; the status bar notes the data range.
    QCOMPARE(window.parameterPanel()->intensityRangeText(),
             QString("σ and PSNR relative to the data range 1000–3000 of the 16-bit file"));
    QVERIFY2(labelText(window, "inputNoticeLabel").contains("data range 1000–3000"),
             qPrintable(labelText(window, "inputNoticeLabel")));

    // The clean view fills the display: its working values span [0, 1], not [0.015, 0.046].
    widgets::ImageView* clean = window.cleanView();
    QCOMPARE(clean->image().pixels.minCoeff(), 0.0);
    QCOMPARE(clean->image().pixels.maxCoeff(), 1.0);
    QCOMPARE(clean->displayRange(), std::make_pair(0.0, 1.0));

    // The readout shows the raw value with the working one, in the status bar too.
    const int row = 20, col = 20;
    const double value = clean->image().at(row, col);
    const double raw = phantom1000To3000().at<std::uint16_t>(row, col);
    QCOMPARE(clean->readout(value),
             QString("%1 (%2)").arg(raw, 0, 'g', 6).arg(QString::number(value, 'f', 4)));
    clean->setView(4.0, QPointF(col + 0.5, row + 0.5));
    QTest::mouseMove(clean, clean->imageArea().center().toPoint());
    bool found = false;
    for (const QLabel* label : window.statusBar()->findChildren<QLabel*>())
      found = found || label->text().contains(clean->readout(value));
    QVERIFY2(found, qPrintable(clean->readout(value)));

    // Right drag on the clean view windows the noisy view and the reconstruction too, not the
    // error view; Reset from the reconstruction's menu action brings back the data range.
    widgets::ImageView* noisy = window.noisyView();
    widgets::ImageView* reconstruction = window.reconstructionView();
    const QPoint start = clean->imageArea().center().toPoint();
    QTest::mousePress(clean, Qt::RightButton, {}, start);
    QContextMenuEvent menu(QContextMenuEvent::Mouse, start, clean->mapToGlobal(start));
    QApplication::sendEvent(clean, &menu);
    QTest::mouseMove(clean, start + QPoint(-40, -30));
    QTest::mouseMove(clean, start + QPoint(-100, -30));
    QTest::mouseRelease(clean, Qt::RightButton, {}, start + QPoint(-100, -30));
    const auto windowed = clean->displayRange();
    QVERIFY(windowed.second - windowed.first < 1.0);
    QCOMPARE(noisy->displayRange(), windowed);
    QCOMPARE(reconstruction->displayRange(), windowed);
    reconstruction->chooseResetRange();
    QCOMPARE(clean->displayRange(), std::make_pair(0.0, 1.0));
    QCOMPARE(noisy->displayRange(), std::make_pair(0.0, 1.0));

    // The exported reconstruction is a 16-bit file in the input's units.
    const QString out = dir_.filePath(QStringLiteral("x.png"));
    QVERIFY(window.exportReconstruction(out));
    const cv::Mat written = cv::imread(out.toStdString(), cv::IMREAD_UNCHANGED);
    QCOMPARE(written.depth(), CV_16U);
    // The preview at the unlearned λ still holds noise, so compare means: the same within a few
    // raw units (a range mistake would shift them by hundreds).
    const double meanOut = cv::mean(written)[0], meanIn = cv::mean(phantom1000To3000())[0];
    QVERIFY2(std::abs(meanOut - meanIn) <= 20.0,
             qPrintable(QString("%1 vs %2").arg(meanOut).arg(meanIn)));
  }

  void aColourFileIsConvertedWithANoteNotADialog() {
    cv::Mat colour(40, 40, CV_8UC3, cv::Scalar(30, 140, 220));
    cv::circle(colour, {20, 20}, 10, cv::Scalar(255, 255, 255), -1);
    cv::rectangle(colour, {0, 0}, {8, 8}, cv::Scalar(0, 0, 0), -1);
    const QString path = dir_.filePath(QStringLiteral("colour.png"));
    QVERIFY(cv::imwrite(path.toStdString(), colour));
    MainWindow window;
    window.show();
    QVERIFY(openAndWait(window, path));
    QVERIFY(window.findChildren<QMessageBox*>().isEmpty());
    QVERIFY2(labelText(window, "inputNoticeLabel").contains("colour converted to grey"),
             qPrintable(labelText(window, "inputNoticeLabel")));
    const auto* label = window.findChild<QLabel*>(QStringLiteral("inputNoticeLabel"));
    QVERIFY(label->toolTip().contains("colour.png"));
    QCOMPARE(window.parameterPanel()->intensityRangeText(),
             QString("σ and PSNR relative to the 8-bit range 0–255"));
  }
};

QTEST_MAIN(IntensitiesTest)
#include "tst_intensities.moc"
