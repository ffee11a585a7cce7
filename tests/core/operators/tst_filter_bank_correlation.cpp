#include <QtTest>
#include <algorithm>

#include "../TestProblems.h"
#include "ReferenceCorrelation.h"
#include "operators/FilterBankCorrelation.h"

using namespace bilevel;

class TestFilterBankCorrelation : public QObject {
  Q_OBJECT
 private slots:
  // Non-square images, filter sizes from 1 to 15 (taps that do not fill the register blocks),
  // banks that do not fill a block of filters, one output row, and bands of one block, of a few
  // blocks and the whole response (the split must not change any sum).
  void productsMatchTheDefinitions_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("filters");
    QTest::newRow("3x3, 4 filters on 17x23") << 17 << 23 << 3 << 4;
    QTest::newRow("5x5, 9 filters on 20x16") << 20 << 16 << 5 << 9;
    QTest::newRow("7x7, 48 filters on 19x26") << 19 << 26 << 7 << 48;
    QTest::newRow("7x7, 48 filters on 70x45") << 70 << 45 << 7 << 48;
    QTest::newRow("2x2, 3 filters on 9x31") << 9 << 31 << 2 << 3;
    QTest::newRow("1x1, 2 filters on 10x11") << 10 << 11 << 1 << 2;
    QTest::newRow("15x15, 5 filters on 33x17") << 33 << 17 << 15 << 5;
    QTest::newRow("6x6, 24 filters, one output row") << 6 << 40 << 6 << 24;
    QTest::newRow("7x7, one output") << 7 << 7 << 7 << 8;
  }
  void productsMatchTheDefinitions() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, size);
    QFETCH(int, filters);
    const int s = size, K = filters, taps = s * s;
    const FilterBankCorrelation bank(rows, cols, s, K);
    QCOMPARE(bank.outputRows(), rows - s + 1);
    QCOMPARE(bank.outputCols(), cols - s + 1);
    const long n = long(rows) * cols, length = bank.responseLength();
    const long block = FilterBankCorrelation::blockLength();
    QVERIFY(length % block == 0 && length >= long(bank.outputRows()) * cols);
    const Vector bankFilters = test::randomVector(K * taps, 1);
    const Vector x = test::randomVector(n, 2);
    const Vector v = test::randomVector(n, 3);
    Vector packed(bank.packedLength()), paddedX(bank.paddedLength()), paddedV(bank.paddedLength());
    bank.pack(bankFilters.data(), packed.data());
    bank.padImage(x.data(), paddedX.data());
    bank.padImage(v.data(), paddedV.data());
    const int outCols = bank.outputCols();
    const Eigen::Index outputs = Eigen::Index(bank.outputRows()) * outCols;
    // Output (i, j) of filter k sits at k·stride + i·cols + j of the whole-image layout.
    const auto valid = [&](const Vector& layout, int k, long stride) {
      Vector z(outputs);
      for (Eigen::Index o = 0; o < outputs; ++o)
        z[o] = layout[k * stride + (o / outCols) * cols + o % outCols];
      return z;
    };
    // Weights per filter: random at the outputs, 0 elsewhere (the operator's precondition).
    const long wholeStride = length + 5;
    Vector weights = Vector::Zero(K * wholeStride);
    for (int k = 0; k < K; ++k) {
      const Vector w = test::randomVector(outputs, 10 + k);
      for (Eigen::Index o = 0; o < outputs; ++o)
        weights[k * wholeStride + (o / outCols) * cols + o % outCols] = w[o];
    }
    for (long bandBlocks : {1L, 3L, length / block}) {
      const long bandLength = bandBlocks * block, stride = bandLength + 3;
      Vector responses = Vector::Constant(K * wholeStride, 7.0);
      Vector band(K * stride), scratch(bank.adjointScratchLength());
      Vector adjoint = Vector::Zero(bank.paddedLength());
      Vector gradient = Vector::Zero(K * taps);
      for (long begin = 0; begin < length; begin += bandLength) {
        const long end = std::min(length, begin + bandLength);
        band.setConstant(std::nan(""));
        bank.apply(packed.data(), paddedX.data(), begin, end, band.data(), stride);
        for (int k = 0; k < K; ++k) {
          for (long p = begin; p < end; ++p)
            responses[k * wholeStride + p] = band[k * stride + p - begin];
        }
        // The weights read from a band copy with its own stride, and from the whole layout.
        for (int k = 0; k < K; ++k) {
          for (long p = begin; p < end; ++p)
            band[k * stride + p - begin] = weights[k * wholeStride + p];
        }
        bank.addAdjoint(packed.data(), band.data(), stride, begin, end, adjoint.data(),
                        scratch.data());
        bank.addFilterGradient(paddedV.data(), weights.data() + begin, wholeStride, begin, end,
                               gradient.data());
      }
      Vector adjointReference = Vector::Zero(n);
      for (int k = 0; k < K; ++k) {
        const double* filter = bankFilters.data() + k * taps;
        const Vector reference = test::referenceCorrelation(filter, x, rows, cols, s);
        QVERIFY2(test::relativeError(valid(responses, k, wholeStride), reference) <= 1e-12,
                 qPrintable(QString("filter %1, bands of %2 blocks").arg(k).arg(bandBlocks)));
        const Vector w = valid(weights, k, wholeStride);
        adjointReference += test::referenceAdjoint(filter, w, rows, cols, s);
        const Vector g = test::referenceFilterGradient(v, w, rows, cols, s);
        QVERIFY2(test::relativeError(gradient.segment(k * taps, taps), g) <= 1e-12,
                 qPrintable(QString("gradient %1, bands of %2 blocks").arg(k).arg(bandBlocks)));
      }
      // Exactly 0 wherever a position is not an output, up to the end of the layout.
      for (int k = 0; k < K; ++k) {
        for (long p = 0; p < length; ++p) {
          if (p / cols < bank.outputRows() && p % cols < outCols) continue;
          QCOMPARE(responses[k * wholeStride + p], 0.0);
        }
      }
      QVERIFY2(test::relativeError(adjoint.head(n), adjointReference) <= 1e-12,
               qPrintable(QString("adjoint, bands of %1 blocks").arg(bandBlocks)));
      // The blocks' spill past the last pixel adds zeros only.
      QCOMPARE(adjoint.tail(bank.paddedLength() - n).cwiseAbs().maxCoeff(), 0.0);
    }
  }

  // ⟨Σ_k K_k x, w_k⟩ = ⟨x, Σ_k K_kᵀ w_k⟩ and ⟨g, bank⟩ = ⟨w, Z⟩ on one band, exactly up to
  // rounding: the three products are one another's transposes.
  void productsAreOneAnothersTransposes() {
    const int rows = 41, cols = 37, s = 7, K = 16;
    const FilterBankCorrelation bank(rows, cols, s, K);
    const long length = bank.responseLength(), n = long(rows) * cols;
    const Vector filters = test::randomVector(K * s * s, 4);
    Vector packed(bank.packedLength()), padded(bank.paddedLength());
    bank.pack(filters.data(), packed.data());
    bank.padImage(test::randomVector(n, 5).data(), padded.data());
    Vector z(K * length), w(K * length), scratch(bank.adjointScratchLength());
    bank.apply(packed.data(), padded.data(), 0, length, z.data(), length);
    // w = apply of another image: 0 where z is.
    Vector other(bank.paddedLength());
    bank.padImage(test::randomVector(n, 6).data(), other.data());
    bank.apply(packed.data(), other.data(), 0, length, w.data(), length);
    Vector adjoint = Vector::Zero(bank.paddedLength()), gradient = Vector::Zero(K * s * s);
    bank.addAdjoint(packed.data(), w.data(), length, 0, length, adjoint.data(), scratch.data());
    bank.addFilterGradient(padded.data(), w.data(), length, 0, length, gradient.data());
    const double zw = z.dot(w);
    QVERIFY(std::abs(padded.head(n).dot(adjoint.head(n)) - zw) <= 1e-13 * std::abs(zw));
    QVERIFY(std::abs(gradient.dot(filters) - zw) <= 1e-13 * std::abs(zw));
  }
};

QTEST_APPLESS_MAIN(TestFilterBankCorrelation)
#include "tst_filter_bank_correlation.moc"
