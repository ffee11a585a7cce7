#include <QContextMenuEvent>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QWheelEvent>
#include <QtTest>
#include <cmath>
#include <limits>
#include <set>

#include "widgets/Colormap.h"
#include "widgets/ImageView.h"
#include "widgets/ImageViewLink.h"

using namespace bilevel;
using namespace bilevel::widgets;

namespace {

// value(r, c) = 100 r + c, so a hovered value names its own pixel.
Image indexImage(int rows, int cols) {
  Image image(rows, cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c)
      image.at(r, c) = 100.0 * r + c;
  }
  return image;
}

// A smooth pattern in [0, 1] with structure at several scales, for pictures and timing.
Image patternImage(int rows, int cols) {
  Image image(rows, cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const double x = c / double(cols), y = r / double(rows);
      const double disc = std::hypot(x - 0.5, y - 0.5) < 0.3 ? 0.35 : 0.0;
      image.at(r, c) = std::clamp(0.25 + 0.4 * x * y + disc + 0.1 * std::sin(40 * x) * y, 0.0, 1.0);
    }
  }
  return image;
}

void sendWheel(QWidget* widget, QPointF position, int angleDelta) {
  QWheelEvent event(position, widget->mapToGlobal(position), QPoint(), QPoint(0, angleDelta),
                    Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(widget, &event);
}

// A right-button press as the window system delivers it on X11: the press, then the context menu
// event (QTest sends the press to the widget directly, without the menu event that follows).
void rightPress(QWidget* widget, QPoint position) {
  QTest::mousePress(widget, Qt::RightButton, {}, position);
  QContextMenuEvent menu(QContextMenuEvent::Mouse, position, widget->mapToGlobal(position));
  QApplication::sendEvent(widget, &menu);
}

bool near(QPointF a, QPointF b, double tolerance = 1e-9) {
  return std::abs(a.x() - b.x()) <= tolerance && std::abs(a.y() - b.y()) <= tolerance;
}

}  // namespace

class TestImageView : public QObject {
  Q_OBJECT

 private slots:
  void colormapEndpointsAndNanColour() {
    // The ends are the first and last entries of the published tables (×255, rounded).
    QCOMPARE(colormapColor(Colormap::Grey, 0.0), qRgb(0, 0, 0));
    QCOMPARE(colormapColor(Colormap::Grey, 1.0), qRgb(255, 255, 255));
    QCOMPARE(colormapColor(Colormap::Viridis, 0.0), qRgb(68, 1, 84));
    QCOMPARE(colormapColor(Colormap::Viridis, 1.0), qRgb(253, 231, 37));
    QCOMPARE(colormapColor(Colormap::Magma, 0.0), qRgb(0, 0, 4));
    QCOMPARE(colormapColor(Colormap::Magma, 1.0), qRgb(252, 253, 191));
    // Viridis at 0.5 is the table's middle teal (entry 128: 0.128, 0.567, 0.551).
    const QRgb mid = colormapColor(Colormap::Viridis, 0.5);
    QVERIFY(std::abs(qRed(mid) - 33) <= 2 && std::abs(qGreen(mid) - 145) <= 2 &&
            std::abs(qBlue(mid) - 140) <= 2);
    // Diverging: blue below, white at the middle, red above.
    QCOMPARE(colormapColor(Colormap::Diverging, 0.5), qRgb(255, 255, 255));
    const QRgb low = colormapColor(Colormap::Diverging, 0.0);
    const QRgb high = colormapColor(Colormap::Diverging, 1.0);
    QVERIFY(qBlue(low) > 2 * qRed(low));
    QVERIFY(qRed(high) > 2 * qBlue(high));
    // Out of range clamps; NaN gets a colour that no map uses.
    QCOMPARE(colormapColor(Colormap::Magma, -3.0), colormapColor(Colormap::Magma, 0.0));
    QCOMPARE(colormapColor(Colormap::Magma, 7.0), colormapColor(Colormap::Magma, 1.0));
    for (Colormap map : allColormaps()) {
      QCOMPARE(colormapColor(map, std::numeric_limits<double>::quiet_NaN()), kNanColor);
      for (int i = 0; i <= 200; ++i)
        QVERIFY(colormapColor(map, i / 200.0) != kNanColor);
    }
  }

  void colormapNamesRoundTrip() {
    for (Colormap map : allColormaps())
      QCOMPARE(colormapFromName(colormapName(map)), map);
    QCOMPARE(colormapFromName("viridis"), Colormap::Viridis);
    QCOMPARE(colormapFromName("gray"), Colormap::Grey);
    QVERIFY(!colormapFromName("jet").has_value());
  }

  void renderedRampRunsFromFirstToLastColour_data() {
    QTest::addColumn<int>("map");
    for (Colormap map : allColormaps()) {
      QTest::newRow(qPrintable(colormapName(map))) << static_cast<int>(map);
    }
  }
  void renderedRampRunsFromFirstToLastColour() {
    QFETCH(int, map);
    const auto colormap = static_cast<Colormap>(map);
    const double lo = -2.0, hi = 3.0;
    const int n = 101;
    Image ramp(2, n + 2);
    for (int c = 0; c < n; ++c)
      ramp.at(0, c) = lo + (hi - lo) * c / (n - 1);
    ramp.at(0, n) = -100.0;  // below the range
    ramp.at(0, n + 1) = std::numeric_limits<double>::quiet_NaN();
    ramp.at(1, 0) = std::numeric_limits<double>::infinity();
    ramp.at(1, 1) = -std::numeric_limits<double>::infinity();

    const QImage out = renderImage(ramp, lo, hi, colormap);
    QCOMPARE(out.size(), QSize(n + 2, 2));
    QCOMPARE(out.format(), QImage::Format_RGB32);
    QCOMPARE(out.pixel(0, 0), colormapColor(colormap, 0.0));
    QCOMPARE(out.pixel(n - 1, 0), colormapColor(colormap, 1.0));
    QCOMPARE(out.pixel(n, 0), colormapColor(colormap, 0.0));
    QCOMPARE(out.pixel(n + 1, 0), kNanColor);
    QCOMPARE(out.pixel(0, 1), colormapColor(colormap, 1.0));
    QCOMPARE(out.pixel(1, 1), colormapColor(colormap, 0.0));
    // Interior values follow the map to within the lookup table's resolution.
    for (int c = 0; c < n; c += 10) {
      const QRgb want = colormapColor(colormap, c / double(n - 1));
      const QRgb got = out.pixel(c, 0);
      QVERIFY2(std::abs(qRed(want) - qRed(got)) <= 1 && std::abs(qGreen(want) - qGreen(got)) <= 1 &&
                   std::abs(qBlue(want) - qBlue(got)) <= 1,
               qPrintable(QString("column %1").arg(c)));
    }
    // The colour bar is the same ramp.
    const QImage bar = colorbar(colormap, 64, 3);
    QCOMPARE(bar.size(), QSize(64, 3));
    QCOMPARE(bar.pixel(0, 2), colormapColor(colormap, 0.0));
    QCOMPARE(bar.pixel(63, 0), colormapColor(colormap, 1.0));
  }

  void setImageRendersThroughTheRange() {
    ImageView view("x");
    view.setFixedRange(0.0, 1.0);
    Image image(2, 3);
    image.at(0, 0) = 0.0;
    image.at(0, 1) = 0.5;
    image.at(0, 2) = 1.0;
    image.at(1, 0) = std::numeric_limits<double>::quiet_NaN();
    image.at(1, 1) = 2.0;
    image.at(1, 2) = -1.0;
    QVERIFY(!view.hasImage());
    QVERIFY(view.renderedImage().isNull());
    view.setImage(image);
    QVERIFY(view.hasImage());
    QCOMPARE(view.image().at(0, 1), 0.5);
    const QImage out = view.renderedImage();
    QCOMPARE(out.size(), QSize(3, 2));  // width = columns
    QCOMPARE(out.pixel(0, 0), qRgb(0, 0, 0));
    QVERIFY(std::abs(qGray(out.pixel(1, 0)) - 128) <= 1);
    QCOMPARE(out.pixel(2, 0), qRgb(255, 255, 255));
    QCOMPARE(out.pixel(0, 1), kNanColor);
    QCOMPARE(out.pixel(1, 1), qRgb(255, 255, 255));
    QCOMPARE(out.pixel(2, 1), qRgb(0, 0, 0));

    view.setColormap(Colormap::Magma);
    QCOMPARE(view.colormap(), Colormap::Magma);
    QCOMPARE(view.renderedImage().pixel(2, 0), colormapColor(Colormap::Magma, 1.0));

    view.clear();
    QVERIFY(!view.hasImage());
    QVERIFY(view.renderedImage().isNull());
  }

  void autoRangeAndSymmetricDivergingRange() {
    ImageView view("residual");
    Image image(1, 4);
    image.pixels << -0.2, 0.0, 0.6, std::numeric_limits<double>::quiet_NaN();
    view.setImage(image);
    QVERIFY(view.isAutoRange());
    QCOMPARE(view.displayRange(), std::make_pair(-0.2, 0.6));  // NaN ignored
    QCOMPARE(view.renderedImage().pixel(0, 0), qRgb(0, 0, 0));
    QCOMPARE(view.renderedImage().pixel(2, 0), qRgb(255, 255, 255));

    view.setColormap(Colormap::Diverging);
    QCOMPARE(view.displayRange(), std::make_pair(-0.6, 0.6));
    QCOMPARE(view.renderedImage().pixel(1, 0), qRgb(255, 255, 255));  // zero is white
    QCOMPARE(view.renderedImage().pixel(2, 0), colormapColor(Colormap::Diverging, 1.0));

    view.setFixedRange(0.0, 1.0);
    QVERIFY(!view.isAutoRange());
    QCOMPARE(view.displayRange(), std::make_pair(0.0, 1.0));
    view.setAutoRange();
    QCOMPARE(view.displayRange(), std::make_pair(-0.6, 0.6));

    // A live update re-computes the automatic range.
    image.pixels << -1.5, 0.0, 0.5, 0.0;
    view.setImage(image);
    QCOMPARE(view.displayRange(), std::make_pair(-1.5, 1.5));

    // A constant image still gets a usable range.
    view.setColormap(Colormap::Grey);
    view.setImage(Image(3, 3));
    const auto [lo, hi] = view.displayRange();
    QVERIFY(lo < 0.0 && hi > 0.0);
  }

  void wheelZoomsAboutTheCursor() {
    ImageView view("a");
    view.resize(400, 340);
    view.setImage(indexImage(64, 64));
    view.setView(2.0, QPointF(30.0, 35.0));
    QSignalSpy spy(&view, &ImageView::viewChanged);

    const QPointF cursor(97.0, 141.0);
    const QPointF under = view.widgetToImage(cursor);
    // The mapping is the documented one: the centre of the image area shows centre().
    QVERIFY(near(under, QPointF(30.0, 35.0) + (cursor - view.imageArea().center()) / 2.0));

    sendWheel(&view, cursor, 120);
    QCOMPARE(spy.count(), 1);
    QVERIFY(view.zoom() > 2.5);
    QVERIFY(near(view.widgetToImage(cursor), under, 1e-9));
    QCOMPARE(spy.at(0).at(0).toDouble(), view.zoom());
    QCOMPARE(spy.at(0).at(1).toPointF(), view.centre());

    sendWheel(&view, cursor, -240);
    QCOMPARE(spy.count(), 2);
    QVERIFY(std::abs(view.zoom() - 2.0 / std::sqrt(2.0)) < 1e-9);
    QVERIFY(near(view.widgetToImage(cursor), under, 1e-9));

    // Keys zoom about the middle; double-click fits.
    const double before = view.zoom();
    QTest::keyClick(&view, Qt::Key_Plus);
    QVERIFY(std::abs(view.zoom() - before * std::sqrt(2.0)) < 1e-9);
    QCOMPARE(spy.count(), 3);
    QTest::mouseDClick(&view, Qt::LeftButton, {}, QPoint(200, 150));
    QVERIFY(std::abs(view.zoom() - std::min(400.0, view.imageArea().height()) / 64.0) < 1e-9);
    QCOMPARE(view.centre(), QPointF(32.0, 32.0));
  }

  void leftDragPans() {
    ImageView view("a");
    view.resize(400, 340);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setImage(indexImage(64, 64));
    view.setView(4.0, QPointF(32.0, 32.0));
    QSignalSpy spy(&view, &ImageView::viewChanged);

    QTest::mousePress(&view, Qt::LeftButton, {}, QPoint(200, 150));
    QTest::mouseMove(&view, QPoint(240, 130));
    QTest::mouseRelease(&view, Qt::LeftButton, {}, QPoint(240, 130));
    // Dragging right by 40 px at 4 px per pixel moves the view 10 image pixels left.
    QCOMPARE(view.centre(), QPointF(32.0 - 10.0, 32.0 + 5.0));
    QCOMPARE(view.zoom(), 4.0);
    QVERIFY(spy.count() >= 1);
    QCOMPARE(spy.last().at(1).toPointF(), view.centre());

    // Moving without a button does not pan.
    QTest::mouseMove(&view, QPoint(100, 100));
    QCOMPARE(view.centre(), QPointF(22.0, 37.0));
  }

  void linkedViewsFollowEachOtherWithoutLoops() {
    ImageView a("A"), b("B"), c("C");
    for (ImageView* v : {&a, &b, &c}) {
      v->resize(300, 260);
      v->setImage(indexImage(32, 32));
    }
    ImageViewLink link;
    link.add(&a);
    link.add(&b);
    link.add(&c);
    link.add(&b);  // twice is once
    QCOMPARE(link.views().size(), 3);
    QSignalSpy spyA(&a, &ImageView::viewChanged), spyB(&b, &ImageView::viewChanged),
        spyC(&c, &ImageView::viewChanged);

    sendWheel(&a, QPointF(80, 90), 120);
    QCOMPARE(spyA.count(), 1);
    QCOMPARE(spyB.count(), 0);  // followers do not echo
    QCOMPARE(spyC.count(), 0);
    for (ImageView* v : {&b, &c}) {
      QCOMPARE(v->zoom(), a.zoom());
      QCOMPARE(v->centre(), a.centre());
    }

    b.resetZoom();
    QCOMPARE(spyA.count(), 1);
    QCOMPARE(spyB.count(), 1);
    QCOMPARE(spyC.count(), 0);
    QCOMPARE(a.zoom(), 1.0);
    QCOMPARE(c.zoom(), 1.0);

    // Live updates of one view do not move the others.
    b.setImage(indexImage(32, 32));
    QCOMPARE(spyB.count(), 1);

    // An unlinked view no longer follows.
    link.remove(&c);
    a.fitToWindow();
    QCOMPARE(b.zoom(), a.zoom());
    QCOMPARE(c.zoom(), 1.0);
    QCOMPARE(link.views().size(), 2);

    {
      ImageView temporary("T");
      link.add(&temporary);
      QCOMPARE(link.views().size(), 3);
    }
    QCOMPARE(link.views().size(), 2);  // a destroyed view leaves the link
    sendWheel(&a, QPointF(80, 90), 120);
  }

  // Issue 10 §7: after a fit, every linked view follows its own size, not only the one fitted.
  void everyLinkedViewReFitsAfterAResize() {
    ImageView a("A"), b("B");
    for (ImageView* v : {&a, &b}) {
      v->resize(300, 260);
      v->setImage(indexImage(64, 64));
      v->show();
    }
    ImageViewLink link;
    link.add(&a);
    link.add(&b);
    sendWheel(&a, QPointF(80, 90), 120);  // zoomed: nothing follows the size
    QVERIFY(!a.isFitted() && !b.isFitted());
    a.fitToWindow();
    QVERIFY(a.isFitted());
    QVERIFY(b.isFitted());
    for (ImageView* v : {&a, &b}) {
      v->resize(500, 420);
      QCoreApplication::processEvents();
    }
    const double fitted = std::min(a.imageArea().width(), a.imageArea().height()) / 64.0;
    QCOMPARE(a.zoom(), fitted);
    QCOMPARE(b.zoom(), fitted);
    // A zoom in one view again ends the fit in both.
    sendWheel(&b, QPointF(80, 90), 120);
    QVERIFY(!a.isFitted() && !b.isFitted());
  }

  void linkedViewsShareTheHoveredPixel() {
    ImageView a("A"), b("B");
    for (ImageView* v : {&a, &b}) {
      v->resize(300, 260);
      v->setImage(indexImage(16, 16));
      v->show();
      QVERIFY(QTest::qWaitForWindowExposed(v));
    }
    ImageViewLink link;
    link.add(&a);
    link.add(&b);
    QSignalSpy spy(&link, &ImageViewLink::pixelHovered);
    a.setView(8.0, QPointF(8.0, 8.0));

    const QPointF centre = a.imageArea().center();
    QTest::mouseMove(&a, (centre + QPointF(2.5 * 8, -1.5 * 8)).toPoint());  // pixel (6, 10)
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toInt(), 6);
    QCOMPARE(spy.at(0).at(1).toInt(), 10);
    QCOMPARE(spy.at(0).at(2).toDouble(), 610.0);
    QCOMPARE(spy.at(0).at(3).toString(), QString("A"));
    QCOMPARE(b.crosshair(), std::make_pair(6, 10));
    QCOMPARE(a.crosshair(), std::make_pair(6, 10));

    QTest::mouseMove(&a, QPoint(150, 5));  // onto the header
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).toInt(), -1);
    QCOMPARE(b.crosshair(), std::make_pair(-1, -1));

    link.remove(&b);
    QTest::mouseMove(&a, centre.toPoint());
    QCOMPARE(b.crosshair(), std::make_pair(-1, -1));
  }

  void pixelHoveredReportsRowColumnAndValue() {
    ImageView view("noisy");
    view.resize(420, 380);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setImage(indexImage(20, 30));
    view.setView(5.0, QPointF(15.0, 10.0));
    QSignalSpy spy(&view, &ImageView::pixelHovered);

    // Pixel (r, c) spans [c, c + 1) × [r, r + 1) and lands at centre + (p - centre()) · zoom.
    const QPointF middle = view.imageArea().center();
    auto pointOf = [&](double row, double col) {
      return (middle + (QPointF(col, row) - QPointF(15.0, 10.0)) * 5.0).toPoint();
    };
    QTest::mouseMove(&view, pointOf(3.5, 11.5));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toInt(), 3);
    QCOMPARE(spy.at(0).at(1).toInt(), 11);
    QCOMPARE(spy.at(0).at(2).toDouble(), 311.0);
    QCOMPARE(spy.at(0).at(3).toString(), QString("noisy"));

    // Within the same pixel nothing new is reported.
    QTest::mouseMove(&view, pointOf(3.7, 11.3));
    QCOMPARE(spy.count(), 1);
    QTest::mouseMove(&view, pointOf(19.5, 0.5));
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).toInt(), 19);
    QCOMPARE(spy.at(1).at(1).toInt(), 0);
    QCOMPARE(spy.at(1).at(2).toDouble(), 1900.0);

    // A live update reports the new value under the resting cursor.
    Image changed = indexImage(20, 30);
    changed.at(19, 0) = -7.0;
    view.setImage(changed);
    QCOMPARE(spy.count(), 3);
    QCOMPARE(spy.at(2).at(2).toDouble(), -7.0);

    // Off the image (but inside the widget) counts as leaving.
    QTest::mouseMove(&view, pointOf(-2.0, 5.0));
    QCOMPARE(spy.count(), 4);
    QCOMPARE(spy.at(3).at(0).toInt(), -1);
    QCOMPARE(spy.at(3).at(1).toInt(), -1);
  }

  // Issue 10 §4: the readout, the header and the colour bar speak the data's units when the image
  // has them (a 16-bit file whose values fill 1000–3000); without them, the working value.
  void theReadoutShowsRawValuesInTheDatasUnits() {
    ImageView view("clean");
    view.resize(420, 380);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    Image image = patternImage(20, 30);
    image.at(3, 11) = 0.517;
    image.sourceBitDepth = 16;
    image.range = {IntensityRange::Kind::DataRange, 1000.0, 3000.0};
    view.setImage(image);
    view.setView(5.0, QPointF(15.0, 10.0));
    QSignalSpy spy(&view, &ImageView::pixelHovered);
    const QPointF middle = view.imageArea().center();
    QTest::mouseMove(&view, (middle + (QPointF(11.5, 3.5) - QPointF(15.0, 10.0)) * 5.0).toPoint());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(2).toDouble(), 0.517);  // the working value, as before
    QCOMPARE(spy.at(0).at(4).toString(), QString("2034 (0.5170)"));
    QCOMPARE(view.readout(-0.25), QString("500 (-0.2500)"));

    Image plain = patternImage(20, 30);  // no file behind it
    view.setImage(plain);
    QCOMPARE(view.readout(0.517), QString("0.517"));
    // A difference of two images in the range reads as a difference of raw values.
    image.pixels.setConstant(0.1);
    view.setImage(difference(image, plain));
    QCOMPARE(view.readout(0.05), QString("100 (0.0500)"));
  }

  // A right drag sets window/level: to the right widens the window (×2 per 200 px), down raises
  // the level (by one width per image-area height). Views that share the display range follow;
  // a view with its own (the symmetric range of a difference) does not. A right click without a
  // drag opens the context menu.
  void rightDragSetsWindowLevelInEveryViewThatSharesIt() {
    ImageView a("clean"), b("noisy"), c("reconstruction"), d("error");
    for (ImageView* v : {&a, &b, &c, &d}) {
      v->resize(400, 340);
      v->setImage(patternImage(32, 32));
    }
    for (ImageView* v : {&a, &b, &c})
      v->setDefaultRange(0.0, 1.0);
    d.setColormap(Colormap::Diverging);
    a.show();
    QVERIFY(QTest::qWaitForWindowExposed(&a));
    ImageViewLink link;
    for (ImageView* v : {&a, &b, &c})
      link.add(v, ImageViewLink::DisplayRange::Shared);
    link.add(&d);
    const auto errorRange = d.displayRange();
    QSignalSpy chosen(&a, &ImageView::windowLevelChosen);

    const QPoint start(200, 150);
    const double height = a.imageArea().height();
    rightPress(&a, start);
    QTest::mouseMove(&a, start + QPoint(100, 0));
    QTest::mouseMove(&a, start + QPoint(200, int(std::lround(height / 4))));
    QTest::mouseRelease(&a, Qt::RightButton, {}, start + QPoint(200, int(std::lround(height / 4))));
    QVERIFY(QApplication::activePopupWidget() == nullptr);  // a drag opens no menu
    QVERIFY(chosen.count() >= 2);
    // Width 1 → 2, level 0.5 → 0.5 + (round(h/4)/h)·1.
    const double level = 0.5 + std::lround(height / 4) / height;
    const auto [lo, hi] = a.displayRange();
    QVERIFY2(std::abs(hi - lo - 2.0) <= 1e-12 && std::abs((lo + hi) / 2 - level) <= 1e-12,
             qPrintable(QString("[%1, %2]").arg(lo).arg(hi)));
    QVERIFY(!a.isAutoRange());
    QCOMPARE(b.displayRange(), a.displayRange());
    QCOMPARE(c.displayRange(), a.displayRange());
    QCOMPARE(d.displayRange(), errorRange);

    // Reset (from any shared view) returns them all to the data range.
    b.chooseResetRange();
    for (ImageView* v : {&a, &b, &c})
      QCOMPARE(v->displayRange(), std::make_pair(0.0, 1.0));

    // Auto (percentiles) in one is the range of its image, taken by the others as it is.
    Image outlier = patternImage(32, 32);
    outlier.at(0, 0) = 40.0;  // a hot pixel: min–max would flatten the picture
    c.setImage(outlier);
    c.choosePercentileRange();
    const auto [plo, phi] = c.displayRange();
    QVERIFY(plo >= outlier.pixels.minCoeff() && phi < 1.0);
    QCOMPARE(a.displayRange(), c.displayRange());
    c.chooseMinMaxRange();
    QVERIFY(a.isAutoRange() && b.isAutoRange());
    QCOMPARE(c.displayRange().second, 40.0);

    // On the diverging map a right drag scales the symmetric range and stays its own.
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    a.chooseResetRange();
    const double m = d.displayRange().second;
    rightPress(&d, start);
    QTest::mouseMove(&d, start + QPoint(-100, 80));
    QTest::mouseMove(&d, start + QPoint(-200, 80));
    QTest::mouseRelease(&d, Qt::RightButton, {}, start + QPoint(-200, 80));
    QVERIFY(std::abs(d.displayRange().second - m / 2) <= 1e-12);
    QCOMPARE(d.displayRange().first, -d.displayRange().second);
    QCOMPARE(a.displayRange(), std::make_pair(0.0, 1.0));

    // A right click that does not move opens the menu (closed here as soon as it shows).
    bool menuShown = false;
    QTimer::singleShot(50, [&] {
      if (QWidget* popup = QApplication::activePopupWidget()) {
        menuShown = true;
        popup->close();
      }
    });
    rightPress(&a, start);
    QVERIFY(!menuShown);  // not at the press: it may still become a drag
    QTest::mouseRelease(&a, Qt::RightButton, {}, start);
    QVERIFY(menuShown);
    QCOMPARE(a.displayRange(), std::make_pair(0.0, 1.0));
  }

  void setImageOfTheSameSizeKeepsTheView() {
    ImageView view("x");
    view.resize(300, 300);
    view.setImage(patternImage(40, 50));
    const double fit = view.zoom();
    QCOMPARE(view.centre(), QPointF(25.0, 20.0));
    QVERIFY(std::abs(fit - std::min(300.0 / 50, view.imageArea().height() / 40)) < 1e-12);

    view.setView(3.0, QPointF(10.0, 12.0));
    QSignalSpy spy(&view, &ImageView::viewChanged);
    for (int i = 0; i < 3; ++i)
      view.setImage(patternImage(40, 50));
    QCOMPARE(view.zoom(), 3.0);
    QCOMPARE(view.centre(), QPointF(10.0, 12.0));
    QCOMPARE(spy.count(), 0);

    // A new size cannot keep the old transform: it fits.
    view.setImage(patternImage(80, 20));
    QCOMPARE(view.centre(), QPointF(10.0, 40.0));
    QVERIFY(std::abs(view.zoom() - std::min(300.0 / 20, view.imageArea().height() / 80)) < 1e-12);

    // Until the user zooms, the view follows the window size.
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.resize(600, 600);
    QVERIFY(std::abs(view.zoom() - view.imageArea().height() / 80) < 1e-12);
  }

  void grabOfAShownViewIsNotBlank() {
    ImageView view("Denoised");
    view.resize(360, 320);
    view.setColormap(Colormap::Viridis);
    view.setImage(patternImage(128, 128));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QImage shot = view.grab().toImage().convertToFormat(QImage::Format_RGB32);
    QCOMPARE(shot.size(), QSize(360, 320) * view.devicePixelRatio());
    std::set<QRgb> colours;
    for (int y = 0; y < shot.height(); y += 3) {
      for (int x = 0; x < shot.width(); x += 3)
        colours.insert(shot.pixel(x, y));
    }
    QVERIFY2(colours.size() > 50, qPrintable(QString::number(colours.size())));
    // The middle of the image area shows the image, coloured by the map (viridis has no greys).
    const QPoint middle = view.imageArea().center().toPoint();
    const QRgb p = shot.pixel(middle);
    QVERIFY(!(qRed(p) == qGreen(p) && qGreen(p) == qBlue(p)));

    // Without an image it still paints its frame and says so, instead of leaving garbage.
    view.clear();
    const QImage empty = view.grab().toImage();
    QVERIFY(!empty.isNull());
  }

  void setImageAndPaintCostAt512() {
    ImageView view("timing");
    view.resize(560, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const Image a = patternImage(512, 512);
    Image b = a;
    b.pixels *= 0.9;
    view.setImage(a);
    view.repaint();

    auto measure = [&](const char* label) {
      const int frames = 20;
      QElapsedTimer timer;
      timer.start();
      for (int i = 0; i < frames; ++i) {
        view.setImage(i % 2 ? a : b);
        view.repaint();  // synchronous paint
      }
      qInfo("setImage + paint at 512², %s (zoom %.2f): %.2f ms per frame", label, view.zoom(),
            timer.nsecsElapsed() / 1e6 / frames);
    };
    view.fitToWindow();
    measure("fitted");
    view.setView(0.6, QPointF(256, 256));
    measure("zoomed out");
    view.setView(2.0, QPointF(256, 256));
    measure("zoomed in");
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 20; ++i)
      view.setImage(i % 2 ? a : b);
    qInfo("setImage alone at 512²: %.2f ms", timer.nsecsElapsed() / 1e6 / 20);
  }
};

QTEST_MAIN(TestImageView)
#include "tst_imageview.moc"
