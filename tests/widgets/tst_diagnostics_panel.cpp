#include <QChart>
#include <QGraphicsTextItem>
#include <QLegend>
#include <QScrollArea>
#include <QtTest>
#include <cmath>
#include <limits>

#include "solvers/ChambollePock.h"
#include "widgets/DiagnosticsPanel.h"
#include "widgets/SeriesPlot.h"

using namespace bilevel;
using bilevel::widgets::DiagnosticsPanel;

// A refused method/solver pair and a missing derivative sequence show their reason, not a row of
// NaN (issue 9 §1).
class DiagnosticsPanelTest : public QObject {
  Q_OBJECT

 private slots:
  void aRefusedRowShowsItsReason() {
    DiagnosticsPanel panel;
    panel.begin(2);
    MethodAgreementRow computed;
    computed.method = "implicit-cg";
    computed.description = "exact";
    computed.relativeError = 1e-9;
    computed.cosine = 1.0;
    computed.hypergradientNorm = 0.5;
    panel.addAgreementRow(computed);
    MethodAgreementRow refused;
    refused.method = "unrolled";
    refused.description = "through the iterations";
    refused.refusal = "unrolled differentiates the solver's iterations; lbfgs has no iteration map";
    refused.relativeError = std::numeric_limits<double>::quiet_NaN();
    refused.summary.termination = Termination::Unsupported;
    panel.addAgreementRow(refused);
    QCOMPARE(panel.rowCount(), 2);
    QVERIFY(panel.cellText(1, 0).startsWith("unrolled"));
    QVERIFY(panel.cellText(1, 0).contains("refused"));
    QVERIFY(panel.cellText(1, 0).endsWith(QString::fromStdString(refused.refusal)));
    QCOMPARE(panel.cellColumnSpan(1, 0), 9);  // the whole row
    QVERIFY(panel.cellText(1, 2).isEmpty());  // no NaN in the number columns
    // The computed row keeps its numbers and no span.
    QCOMPARE(panel.cellColumnSpan(0, 0), 1);
    QVERIFY(panel.cellText(0, 2).contains("e-09"));
    // A new run starts without the old spans.
    panel.begin(1);
    panel.addAgreementRow(computed);
    QCOMPARE(panel.cellColumnSpan(0, 0), 1);
  }

  // Issue 10 §6: at a converged λ ‖∇U‖ ≈ 1e-6 is the finite-difference reference's own error, so
  // an exact method shows relative error ≈ 1.8 and cosine −1. The panel says so and judges by the
  // absolute error against the reference's error: the exact method agrees, a poor one still does
  // not. Away from the optimum the verdicts are the relative ones of before.
  void atTheReferencesNoiseLevelMethodsAreJudgedByAbsoluteError() {
    const auto makeRow = [](const char* method, double norm, double absolute, double reference,
                            double error) {
      MethodAgreementRow row;
      row.method = method;
      row.description = method;
      row.hypergradientNorm = norm;
      row.absoluteError = absolute;
      row.relativeError = absolute / reference;
      row.cosine = absolute > reference ? -1.0 : 1.0;
      row.referenceError = error;
      row.summary.termination = Termination::Converged;
      return row;
    };
    DiagnosticsPanel panel;
    panel.begin(3);
    const double reference = 1.0e-6, error = 1.5e-6;
    panel.addAgreementRow(makeRow("implicit-cg", 0.8e-6, 1.81e-6, reference, error));
    panel.addAgreementRow(makeRow("shine", 4e-4, 4e-4, reference, error));
    panel.addAgreementRow(makeRow("finite-difference", reference, 0.0, reference, error));
    panel.finish(QStringLiteral("done"), {});
    QVERIFY(panel.judgedByAbsoluteError());
    QVERIFY2(panel.statusText().contains(QStringLiteral("noise level")),
             qPrintable(panel.statusText()));
    QCOMPARE(panel.verdictColour(0), QColor(60, 150, 80));  // agrees: no red for an exact method
    QCOMPARE(panel.verdictColour(1), QColor(200, 70, 60));  // 270× the reference's error
    QVERIFY(!panel.verdictColour(2).isValid());             // the reference itself

    // Far from the optimum the relative error decides, as before.
    panel.begin(2);
    panel.addAgreementRow(makeRow("implicit-cg", 0.5, 5e-10, 0.5, 1e-8));
    panel.addAgreementRow(makeRow("jacobian-free", 0.3, 0.25, 0.5, 1e-8));
    QVERIFY(!panel.judgedByAbsoluteError());
    QCOMPARE(panel.verdictColour(0), QColor(60, 150, 80));
    QCOMPARE(panel.verdictColour(1), QColor(200, 70, 60));
  }

  // Issue 10 §7: at 1024×700 the panel is one chart wide and the derivative
  // sequence's legend stands beside the plot; its names are whole there, not cut to "unrolled
  // (along th...", and what each curve is in full is in the chart's tooltip.
  void legendNamesAreWholeInOneColumn_data() {
    QTest::addColumn<bool>("measured");
    QTest::newRow("smooth: ρ from μ and L") << false;
    QTest::newRow("TV: ρ measured") << true;
  }
  void legendNamesAreWholeInOneColumn() {
    QFETCH(bool, measured);
    // In a scroll area as in the Analysis dock, whose column is about 400 px wide at 1024×700.
    QScrollArea area;
    auto* content = new DiagnosticsPanel;
    area.setWidget(content);
    area.setWidgetResizable(true);
    area.resize(400, 700);
    area.show();
    QVERIFY(QTest::qWaitForWindowExposed(&area));
    DiagnosticsPanel& panel = *content;
    DerivativeSequence sequence;
    for (int n = 0; n <= 300; ++n) {
      sequence.unrolled.push_back(std::max(std::pow(0.85008, n) * (1.0 + 2.0 / (n + 1)), 1e-11));
      sequence.fpad.push_back(std::max(std::pow(0.85008, n), 1e-11));
    }
    sequence.contractionRate = 0.85008;
    if (measured) {
      sequence.manifold = true;
      sequence.identifiedAt = 20;
      sequence.unrolledRate = 0.85008;
    }
    panel.setDerivativeSequence(sequence);
    QCoreApplication::processEvents();
    widgets::SeriesPlot* plot = panel.derivativeSequencePlot();
    QCOMPARE(plot->seriesCount(), measured ? 4 : 3);  // TV: where the jump set was identified
    QVERIFY2(plot->width() <= 400, qPrintable(QString::number(plot->width())));
    // The legend's labels as Qt Charts draws them: elided text ends in "...".
    QStringList labels;
    QList<QGraphicsItem*> items = plot->chart()->legend()->childItems();
    while (!items.isEmpty()) {
      QGraphicsItem* item = items.takeFirst();
      items += item->childItems();
      if (auto* text = dynamic_cast<QGraphicsTextItem*>(item)) labels << text->toPlainText();
    }
    QCOMPARE(labels.size(), plot->seriesCount());
    for (const QString& label : labels)
      QVERIFY2(!label.endsWith(QStringLiteral("...")) && !label.endsWith(QChar(0x2026)),
               qPrintable(label));
    const QString tip = plot->toolTip();
    QVERIFY2(tip.contains(QStringLiteral("along the iterates")) && tip.contains("at x*"),
             qPrintable(tip));
    QVERIFY2(tip.contains(measured ? QStringLiteral("measured after identification")
                                   : QStringLiteral("from μ and L")),
             qPrintable(tip));
  }

  // Issue 10 §7: in a narrow dock the pairs of charts stack instead of making it scroll sideways.
  void narrowPanelsStackTheirCharts() {
    DiagnosticsPanel panel;
    QVERIFY(panel.minimumSizeHint().width() <= 280);
    panel.resize(400, 900);
    panel.show();
    QCoreApplication::processEvents();
    QCOMPARE(panel.chartRowOrientation(), Qt::Vertical);
    panel.resize(900, 900);
    QCoreApplication::processEvents();
    QCOMPARE(panel.chartRowOrientation(), Qt::Horizontal);
  }

  void staleResultsAreMarkedUntilTheNextRun() {
    DiagnosticsPanel panel;
    panel.begin(1);
    QVERIFY(!panel.isStale());
    panel.setStale(true, QStringLiteral("configuration changed"));
    QVERIFY(panel.isStale());
    QCOMPARE(panel.staleText(), QStringLiteral("stale: configuration changed"));
    panel.setStale(false);
    QVERIFY(panel.staleText().isEmpty());
    panel.setStale(true, QStringLiteral("θ changed"));
    panel.begin(1);  // a new run
    QVERIFY(!panel.isStale());
  }

  void aMissingDerivativeSequenceSaysWhy() {
    DiagnosticsPanel panel;
    DerivativeSequence missing;
    missing.unavailable = "lbfgs has no iteration map (its steps depend on a line search)";
    panel.setDerivativeSequence(missing);
    QCOMPARE(panel.derivativeSequenceNote(), QString::fromStdString(missing.unavailable));
    QCOMPARE(panel.derivativeSequencePlot()->seriesCount(), 0);
    DerivativeSequence present;
    present.unrolled = {1.0, 0.5, 0.25};
    present.fpad = {1.0, 0.1, 0.01};
    panel.setDerivativeSequence(present);
    QVERIFY(panel.derivativeSequenceNote().isEmpty());
    QVERIFY(panel.derivativeSequencePlot()->seriesCount() >= 2);
  }

  // TV: the identification plot (jump set size, changes, the identification iteration marked),
  // the gap on a log scale, and the sequences' rate line measured after identification; from a
  // real run of Chambolle–Pock on two noisy halves (tst_support_identification's problem).
  void totalVariationShowsTheIdentification() {
    Image image(10, 10);
    for (int r = 0; r < 10; ++r)
      for (int c = 0; c < 10; ++c)
        image.at(r, c) = (c >= 5 ? 0.8 : 0.2) + 0.03 * std::sin(1.7 * r + 2.3 * c);
    TotalVariation::Options options;
    options.lambda = 0.1;
    const TotalVariation model(image, options);
    const Vector theta = model.defaultParameters();
    SupportIdentificationOptions supportOptions;
    supportOptions.iterations = 4000;
    supportOptions.interval = 20;
    const SupportIdentification support = supportIdentification(model, theta, supportOptions);
    QVERIFY(support.identifiedAt > 0);

    DiagnosticsPanel panel;
    panel.begin(1);
    QVERIFY(!panel.supportShown());
    panel.setSupportIdentification(support);
    QVERIFY(panel.supportShown());
    // Size, changes and the marker; the gap and its marker.
    QCOMPARE(panel.identificationPlot()->seriesCount(), 3);
    QCOMPARE(panel.identificationPlot()->dataCount(0), int(support.iterations.size()));
    QCOMPARE(panel.identificationPlot()->dataCount(2), 2);
    QCOMPARE(panel.gapPlot()->seriesCount(), 2);
    QVERIFY(panel.gapPlot()->logarithmicY());
    QCOMPARE(panel.gapPlot()->dataCount(0), int(support.iterations.size()));

    const ChambollePock solver;
    const auto map = solver.iterationMap(model, theta);
    IterationState z = map->makeState();
    Vector x = model.initialPoint();
    SolveOptions tight;
    tight.tolerance = 1e-15;
    tight.maxIterations = 100000;
    QVERIFY(solver.solveToFixedPoint(model, theta, x, tight, *map, z).usable());
    const DerivativeSequence sequence =
        derivativeSequence(*map, z, {}, {.iterations = supportOptions.iterations});
    panel.setDerivativeSequence(sequence);
    QVERIFY(sequence.identifiedAt > 0);
    // unrolled, FPAD, the measured rate from the identification on, and its marker.
    QCOMPARE(panel.derivativeSequencePlot()->seriesCount(), 4);
    QVERIFY(rateReference(sequence).measured);

    // A new run (of a smooth model, say) hides them again.
    panel.begin(1);
    QVERIFY(!panel.supportShown());
    QCOMPARE(panel.identificationPlot()->seriesCount(), 0);
  }
};

QTEST_MAIN(DiagnosticsPanelTest)
#include "tst_diagnostics_panel.moc"
