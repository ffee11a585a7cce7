#include "widgets/ImageView.h"

#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace bilevel::widgets {

namespace {

constexpr int kHeaderHeight = 22;
constexpr int kFooterHeight = 24;
constexpr int kColorbarHeight = 8;
constexpr double kMinZoom = 1.0 / 64.0;
constexpr double kMaxZoom = 256.0;
// One wheel notch (120 units) zooms by √2, so two notches double.
constexpr double kWheelUnitsPerDoubling = 240.0;
// From this zoom on, the hovered or crosshair pixel is outlined: it is big enough to see.
constexpr double kOutlineZoom = 4.0;

const QColor kImageBackground(0x16, 0x17, 0x1a);
const QColor kChrome(0x23, 0x24, 0x29);
const QColor kSeparator(0x33, 0x35, 0x3c);
const QColor kText(0xe6, 0xe6, 0xe8);
const QColor kDimText(0x9c, 0x9f, 0xa8);
const QColor kImageOutline(255, 255, 255, 38);
const QColor kCrosshair(0x3c, 0xd8, 0xff, 170);
const QColor kOverlayBackground(0, 0, 0, 150);

QString formatValue(double v) {
  if (v == 0.0) return QStringLiteral("0");
  return QString::number(v, 'g', 4);
}

// Screen pixels of horizontal right-drag that double the window's width.
constexpr double kPixelsPerWidthDoubling = 200.0;
// The automatic window of "Auto (percentiles)": the central 99 % of the finite values, so that a
// few hot or dead pixels do not flatten the picture.
constexpr double kLowPercentile = 0.005;
constexpr double kHighPercentile = 0.995;

// [q(lowFraction), q(highFraction)] of the finite values (nearest rank), or nothing if there are
// none.
std::optional<std::pair<double, double>> quantiles(const bilevel::Vector& values,
                                                   double lowFraction, double highFraction) {
  std::vector<double> finite;
  finite.reserve(static_cast<std::size_t>(values.size()));
  for (Eigen::Index i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) finite.push_back(values[i]);
  }
  if (finite.empty()) return std::nullopt;
  const auto at = [&](double fraction) {
    const auto k = static_cast<std::size_t>(std::llround(fraction * double(finite.size() - 1)));
    std::nth_element(finite.begin(), finite.begin() + static_cast<std::ptrdiff_t>(k), finite.end());
    return finite[k];
  };
  const double lo = at(lowFraction);
  return std::pair{lo, at(highFraction)};
}

QFont smallFont(const QFont& base) {
  QFont font = base;
  font.setPointSizeF(std::max(7.0, base.pointSizeF() * 0.85));
  return font;
}

}  // namespace

ImageView::ImageView(const QString& title, QWidget* parent) : QWidget(parent), title_(title) {
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  setCursor(Qt::CrossCursor);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void ImageView::setTitle(const QString& title) {
  title_ = title;
  update();
}

void ImageView::setImage(const bilevel::Image& image) {
  const bool sizeChanged = image.rows != image_.rows || image.cols != image_.cols;
  image_ = image;
  updateRange();
  render();
  if (sizeChanged) {
    applyFit();
    reportLeave();
  } else if (hoverRow_ >= 0) {
    // The cursor has not moved but the value under it has; keep read-outs live during learning.
    const double value = image_.at(hoverRow_, hoverCol_);
    emit pixelHovered(hoverRow_, hoverCol_, value, title_, readout(value));
  }
  update();
}

void ImageView::clear() {
  reportLeave();
  image_ = bilevel::Image();
  rendered_ = QImage();
  scaled_ = QImage();
  crosshairRow_ = crosshairCol_ = -1;
  applyFit();
  update();
}

void ImageView::setColormap(Colormap map) {
  if (map == colormap_) return;
  colormap_ = map;
  updateRange();  // the automatic range of the Diverging map is symmetric
  render();
  update();
}

void ImageView::applyRange() {
  updateRange();
  render();
  update();
}

void ImageView::setFixedRange(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return;
  if (lo > hi) std::swap(lo, hi);
  autoRange_ = false;
  fixedRange_ = {lo, hi};
  applyRange();
}

void ImageView::setAutoRange() {
  autoRange_ = true;
  applyRange();
}

void ImageView::setDefaultRange(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return;
  defaultRange_ = std::pair{std::min(lo, hi), std::max(lo, hi)};
  resetDisplayRange();
}

void ImageView::resetDisplayRange() {
  if (defaultRange_) {
    setFixedRange(defaultRange_->first, defaultRange_->second);
  } else {
    setAutoRange();
  }
}

void ImageView::chooseWindowLevel(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo == hi) return;
  setFixedRange(lo, hi);
  emit windowLevelChosen(range_.first, range_.second);
}

void ImageView::choosePercentileRange() {
  const auto q = quantiles(image_.pixels, kLowPercentile, kHighPercentile);
  if (!q) return;
  auto [lo, hi] = *q;
  if (colormap_ == Colormap::Diverging) {
    hi = std::max(std::abs(lo), std::abs(hi));
    lo = -hi;
  }
  if (lo == hi) {  // a (nearly) constant image: a window of width 1 around it, as Auto does
    lo -= 0.5;
    hi += 0.5;
  }
  chooseWindowLevel(lo, hi);
}

void ImageView::chooseMinMaxRange() {
  setAutoRange();
  emit minMaxRangeChosen();
}

void ImageView::chooseResetRange() {
  resetDisplayRange();
  emit resetRangeChosen();
}

QString ImageView::readout(double value) const {
  if (!image_.range.hasRawUnits() || !std::isfinite(value)) return formatValue(value);
  return QStringLiteral("%1 (%2)").arg(QString::number(image_.range.toRaw(value), 'g', 6),
                                       QString::number(value, 'f', 4));
}

QString ImageView::formatRangeEnd(double value) const {
  return image_.range.hasRawUnits() ? QString::number(image_.range.toRaw(value), 'g', 5)
                                    : formatValue(value);
}

void ImageView::updateRange() {
  if (!autoRange_) {
    range_ = fixedRange_;
    return;
  }
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  const double* p = image_.pixels.data();
  for (Eigen::Index i = 0, n = image_.pixels.size(); i < n; ++i) {
    const double v = p[i];
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (!(lo <= hi)) {  // no finite value
    range_ = colormap_ == Colormap::Diverging ? std::pair{-1.0, 1.0} : std::pair{0.0, 1.0};
    return;
  }
  if (colormap_ == Colormap::Diverging) {
    const double m = std::max(std::abs(lo), std::abs(hi));
    range_ = m > 0.0 ? std::pair{-m, m} : std::pair{-1.0, 1.0};
  } else if (lo == hi) {
    range_ = {lo - 0.5, hi + 0.5};
  } else {
    range_ = {lo, hi};
  }
}

void ImageView::render() {
  rendered_ = hasImage() ? renderImage(image_, range_.first, range_.second, colormap_) : QImage();
  scaled_ = QImage();
  scaledZoom_ = 0.0;
}

QRectF ImageView::imageArea() const {
  const double h = std::max(0, height() - kHeaderHeight - kFooterHeight);
  return QRectF(0.0, kHeaderHeight, width(), h);
}

QPointF ImageView::imageToWidget(QPointF imagePoint) const {
  return imageArea().center() + (imagePoint - centre_) * zoom_;
}

QPointF ImageView::widgetToImage(QPointF widgetPoint) const {
  return centre_ + (widgetPoint - imageArea().center()) / zoom_;
}

double ImageView::fitZoom() const {
  const QRectF area = imageArea();
  if (!hasImage() || area.width() < 1.0 || area.height() < 1.0) return 1.0;
  return std::clamp(std::min(area.width() / image_.cols, area.height() / image_.rows), kMinZoom,
                    kMaxZoom);
}

void ImageView::applyFit() {
  fitted_ = true;
  zoom_ = fitZoom();
  centre_ = QPointF(image_.cols / 2.0, image_.rows / 2.0);
}

void ImageView::setViewInternal(double zoom, QPointF centre) {
  if (!std::isfinite(zoom) || !std::isfinite(centre.x()) || !std::isfinite(centre.y())) return;
  zoom_ = std::clamp(zoom, kMinZoom, kMaxZoom);
  // The image may be panned until its edge reaches the middle of the view, never out of sight.
  centre_ = QPointF(std::clamp(centre.x(), 0.0, double(std::max(image_.cols, 0))),
                    std::clamp(centre.y(), 0.0, double(std::max(image_.rows, 0))));
  update();
}

void ImageView::setView(double zoom, QPointF centre) {
  fitted_ = false;
  setViewInternal(zoom, centre);
}

void ImageView::fitToWindow() {
  applyFit();
  update();
  emit viewChanged(zoom_, centre_);
}

void ImageView::followFit() {
  applyFit();
  update();
}

void ImageView::resetZoom() {
  fitted_ = false;
  setViewInternal(1.0, centre_);
  emit viewChanged(zoom_, centre_);
}

void ImageView::zoomAbout(QPointF widgetPoint, double factor) {
  const QPointF anchor = widgetToImage(widgetPoint);
  const double zoom = std::clamp(zoom_ * factor, kMinZoom, kMaxZoom);
  fitted_ = false;
  setViewInternal(zoom, anchor - (widgetPoint - imageArea().center()) / zoom);
  emit viewChanged(zoom_, centre_);
}

void ImageView::setCrosshair(int row, int col) {
  if (row < 0 || col < 0) row = col = -1;
  if (row == crosshairRow_ && col == crosshairCol_) return;
  crosshairRow_ = row;
  crosshairCol_ = col;
  update();
}

void ImageView::reportHover(QPointF widgetPoint) {
  if (!hasImage() || !imageArea().contains(widgetPoint)) {
    reportLeave();
    return;
  }
  const QPointF p = widgetToImage(widgetPoint);
  const int col = static_cast<int>(std::floor(p.x()));
  const int row = static_cast<int>(std::floor(p.y()));
  if (row < 0 || col < 0 || row >= image_.rows || col >= image_.cols) {
    reportLeave();
    return;
  }
  if (row == hoverRow_ && col == hoverCol_) return;
  hoverRow_ = row;
  hoverCol_ = col;
  update();
  const double value = image_.at(row, col);
  emit pixelHovered(row, col, value, title_, readout(value));
}

void ImageView::reportLeave() {
  if (hoverRow_ < 0) return;
  hoverRow_ = hoverCol_ = -1;
  update();
  emit pixelHovered(-1, -1, std::numeric_limits<double>::quiet_NaN(), title_, QString());
}

void ImageView::resizeEvent(QResizeEvent* event) {
  if (fitted_) applyFit();
  QWidget::resizeEvent(event);
}

void ImageView::wheelEvent(QWheelEvent* event) {
  const int delta =
      event->angleDelta().y() != 0 ? event->angleDelta().y() : event->pixelDelta().y();
  if (delta == 0 || !hasImage()) {
    event->ignore();
    return;
  }
  zoomAbout(event->position(), std::pow(2.0, delta / kWheelUnitsPerDoubling));
  event->accept();
}

void ImageView::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::RightButton) {
    rightDown_ = true;
    windowing_ = hasImage();
    windowMoved_ = false;
    menuDeferred_ = false;
    suppressNextMenu_ = false;
    windowStart_ = event->position();
    windowStartRange_ = range_;
    event->accept();
    return;
  }
  if (event->button() == Qt::LeftButton && hasImage()) {
    dragging_ = true;
    dragLast_ = event->position();
    setCursor(Qt::ClosedHandCursor);
    event->accept();
    return;
  }
  QWidget::mousePressEvent(event);
}

void ImageView::mouseMoveEvent(QMouseEvent* event) {
  if (windowing_ && (event->buttons() & Qt::RightButton)) {
    const QPointF delta = event->position() - windowStart_;
    if (!windowMoved_ && delta.manhattanLength() >= QApplication::startDragDistance()) {
      windowMoved_ = true;
      setCursor(Qt::SizeAllCursor);
    }
    if (windowMoved_) {
      const auto [lo0, hi0] = windowStartRange_;
      const double width0 = hi0 > lo0 ? hi0 - lo0 : 1.0;
      const double width = width0 * std::pow(2.0, delta.x() / kPixelsPerWidthDoubling);
      if (colormap_ == Colormap::Diverging) {
        chooseWindowLevel(-width / 2.0, width / 2.0);
      } else {
        const double height = std::max(1.0, imageArea().height());
        const double level = (lo0 + hi0) / 2.0 + delta.y() / height * width0;
        chooseWindowLevel(level - width / 2.0, level + width / 2.0);
      }
    }
  }
  if (dragging_ && (event->buttons() & Qt::LeftButton)) {
    const QPointF delta = event->position() - dragLast_;
    dragLast_ = event->position();
    if (!delta.isNull()) {
      fitted_ = false;
      setViewInternal(zoom_, centre_ - delta / zoom_);
      emit viewChanged(zoom_, centre_);
    }
  }
  reportHover(event->position());
}

void ImageView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() == Qt::RightButton) {
    const bool moved = windowing_ && windowMoved_;
    rightDown_ = windowing_ = windowMoved_ = false;
    setCursor(Qt::CrossCursor);
    if (menuDeferred_) {
      menuDeferred_ = false;
      if (!moved) showContextMenu(event->globalPosition().toPoint());
    } else {
      // Where the menu event follows the release (Windows), a drag must not open it.
      suppressNextMenu_ = moved;
    }
    event->accept();
    return;
  }
  if (event->button() == Qt::LeftButton && dragging_) {
    dragging_ = false;
    setCursor(Qt::CrossCursor);
    event->accept();
    return;
  }
  QWidget::mouseReleaseEvent(event);
}

void ImageView::mouseDoubleClickEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) {
    fitToWindow();
    event->accept();
    return;
  }
  QWidget::mouseDoubleClickEvent(event);
}

void ImageView::leaveEvent(QEvent* event) {
  reportLeave();
  QWidget::leaveEvent(event);
}

void ImageView::keyPressEvent(QKeyEvent* event) {
  const QPointF middle = imageArea().center();
  switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
      zoomAbout(middle, std::sqrt(2.0));
      break;
    case Qt::Key_Minus:
      zoomAbout(middle, 1.0 / std::sqrt(2.0));
      break;
    case Qt::Key_0:
      fitToWindow();
      break;
    case Qt::Key_1:
      resetZoom();
      break;
    default:
      QWidget::keyPressEvent(event);
      return;
  }
  event->accept();
}

void ImageView::contextMenuEvent(QContextMenuEvent* event) {
  event->accept();
  if (event->reason() == QContextMenuEvent::Mouse) {
    if (rightDown_) {
      menuDeferred_ = true;  // at the press: the release decides between menu and drag
      return;
    }
    if (std::exchange(suppressNextMenu_, false)) return;
  }
  showContextMenu(event->globalPos());
}

void ImageView::showContextMenu(const QPoint& globalPosition) {
  QMenu menu(this);
  QMenu* maps = menu.addMenu(tr("Colour map"));
  auto* mapGroup = new QActionGroup(maps);
  for (Colormap map : allColormaps()) {
    QAction* action = maps->addAction(colormapName(map), this, [this, map] { setColormap(map); });
    action->setCheckable(true);
    action->setChecked(map == colormap_);
    mapGroup->addAction(action);
  }

  menu.addAction(tr("Auto (percentiles 0.5–99.5)"), this, &ImageView::choosePercentileRange)
      ->setEnabled(hasImage());
  QAction* minMax =
      menu.addAction(tr("Min–max (follows the image)"), this, &ImageView::chooseMinMaxRange);
  minMax->setCheckable(true);
  minMax->setChecked(autoRange_);
  QAction* reset = menu.addAction(tr("Reset window/level"), this, &ImageView::chooseResetRange);
  reset->setToolTip(defaultRange_ ? tr("Back to the data range") : tr("Back to min–max"));

  menu.addSeparator();
  menu.addAction(tr("Fit to window"), this, &ImageView::fitToWindow);
  menu.addAction(tr("Actual size (1:1)"), this, &ImageView::resetZoom);
  menu.addSeparator();
  QAction* copy = menu.addAction(tr("Copy image"), this, [this] {
    if (QClipboard* clipboard = QGuiApplication::clipboard()) clipboard->setImage(rendered_);
  });
  copy->setEnabled(hasImage());
  menu.exec(globalPosition);
}

const QImage& ImageView::scaledForPainting() {
  if (scaled_.isNull() || scaledZoom_ != zoom_) {
    const int w = std::max(1, static_cast<int>(std::lround(rendered_.width() * zoom_)));
    const int h = std::max(1, static_cast<int>(std::lround(rendered_.height() * zoom_)));
    scaled_ = rendered_.scaled(w, h, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    scaledZoom_ = zoom_;
  }
  return scaled_;
}

void ImageView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  const QRectF area = imageArea();
  painter.fillRect(rect(), kChrome);
  painter.fillRect(area, kImageBackground);
  painter.setFont(smallFont(font()));

  painter.save();
  painter.setClipRect(area);
  if (!hasImage()) {
    painter.setPen(kDimText);
    painter.drawText(area, Qt::AlignCenter, tr("no image"));
  } else {
    const QRectF target(imageToWidget(QPointF(0, 0)),
                        imageToWidget(QPointF(image_.cols, image_.rows)));
    if (zoom_ < 1.0) {
      // Averaged downscale, then a near-identity draw.
      painter.setRenderHint(QPainter::SmoothPixmapTransform, true);
      painter.drawImage(target, scaledForPainting());
    } else {
      // Only the visible whole pixels are handed to the painter, drawn as sharp squares; at high
      // zoom this keeps the work proportional to the widget, not to the magnified image.
      const QPointF topLeft = widgetToImage(area.topLeft());
      const QPointF bottomRight = widgetToImage(area.bottomRight());
      const int c0 = std::clamp(static_cast<int>(std::floor(topLeft.x())), 0, image_.cols);
      const int r0 = std::clamp(static_cast<int>(std::floor(topLeft.y())), 0, image_.rows);
      const int c1 = std::clamp(static_cast<int>(std::ceil(bottomRight.x())), 0, image_.cols);
      const int r1 = std::clamp(static_cast<int>(std::ceil(bottomRight.y())), 0, image_.rows);
      if (c1 > c0 && r1 > r0) {
        painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
        const QRectF visibleTarget(imageToWidget(QPointF(c0, r0)), imageToWidget(QPointF(c1, r1)));
        painter.drawImage(visibleTarget, rendered_, QRectF(c0, r0, c1 - c0, r1 - r0));
      }
    }
    painter.setPen(QPen(kImageOutline, 0));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(target.adjusted(-0.5, -0.5, 0.5, 0.5));
    paintCrosshair(painter);

    // Zoom and the hovered value, bottom left inside the image area.
    QString info = QStringLiteral("%1%").arg(std::round(zoom_ * 1000.0) / 10.0);
    if (hoverRow_ >= 0) {
      info = QStringLiteral("(%1, %2)  %3   ·   %4")
                 .arg(hoverRow_)
                 .arg(hoverCol_)
                 .arg(formatRangeEnd(image_.at(hoverRow_, hoverCol_)))
                 .arg(info);
    }
    const QFontMetricsF metrics(painter.font());
    const QRectF box(area.left() + 6, area.bottom() - metrics.height() - 10,
                     metrics.horizontalAdvance(info) + 12, metrics.height() + 4);
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setPen(Qt::NoPen);
    painter.setBrush(kOverlayBackground);
    painter.drawRoundedRect(box, 3, 3);
    painter.setPen(kText);
    painter.drawText(box, Qt::AlignCenter, info);
  }
  painter.restore();

  paintHeader(painter, QRectF(0, 0, width(), kHeaderHeight));
  paintFooter(painter, QRectF(0, area.bottom(), width(), kFooterHeight));
}

void ImageView::paintHeader(QPainter& painter, const QRectF& rect) const {
  painter.setPen(kSeparator);
  painter.drawLine(QPointF(rect.left(), rect.bottom() - 0.5),
                   QPointF(rect.right(), rect.bottom() - 0.5));
  const QRectF text = rect.adjusted(8, 0, -8, -1);

  QFont bold = painter.font();
  bold.setWeight(QFont::DemiBold);
  const QFontMetricsF boldMetrics(bold), metrics(painter.font());
  // The title says what the view shows, so it keeps its room; the range and then the size give
  // way when the view is narrow.
  const double titleWidth = std::min(boldMetrics.horizontalAdvance(title_), text.width());
  const double room = text.width() - titleWidth - 12;
  QString detail;
  if (hasImage()) {
    const QString range = QStringLiteral("[%1, %2]%3")
                              .arg(formatRangeEnd(range_.first), formatRangeEnd(range_.second),
                                   autoRange_ ? tr(" auto") : QString());
    const QString full = range + QStringLiteral("   %1×%2").arg(image_.cols).arg(image_.rows);
    if (metrics.horizontalAdvance(full) <= room) {
      detail = full;
    } else if (metrics.horizontalAdvance(range) <= room) {
      detail = range;
    }
  }
  painter.setPen(kDimText);
  painter.drawText(text, Qt::AlignRight | Qt::AlignVCenter, detail);

  painter.save();
  painter.setFont(bold);
  painter.setPen(kText);
  painter.drawText(QRectF(text.left(), text.top(), titleWidth, text.height()),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   boldMetrics.elidedText(title_, Qt::ElideRight, titleWidth));
  painter.restore();
}

void ImageView::paintFooter(QPainter& painter, const QRectF& rect) {
  painter.setPen(kSeparator);
  painter.drawLine(QPointF(rect.left(), rect.top() + 0.5), QPointF(rect.right(), rect.top() + 0.5));
  if (!hasImage()) return;

  const QFontMetricsF metrics(painter.font());
  const QString lo = formatRangeEnd(range_.first);
  const QString hi = formatRangeEnd(range_.second);
  const double labelWidth =
      std::max({metrics.horizontalAdvance(lo), metrics.horizontalAdvance(hi), 24.0});
  const QRectF inner = rect.adjusted(8, 1, -8, 0);
  painter.setPen(kDimText);
  painter.drawText(QRectF(inner.left(), inner.top(), labelWidth, inner.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, lo);
  painter.drawText(QRectF(inner.right() - labelWidth, inner.top(), labelWidth, inner.height()),
                   Qt::AlignRight | Qt::AlignVCenter, hi);

  const QRect bar(static_cast<int>(inner.left() + labelWidth + 8),
                  static_cast<int>(inner.center().y() - kColorbarHeight / 2.0),
                  static_cast<int>(inner.width() - 2 * labelWidth - 16), kColorbarHeight);
  if (bar.width() < 8) return;
  if (colorbar_.width() != bar.width() || colorbarMap_ != colormap_) {
    colorbar_ = colorbar(colormap_, bar.width(), 1);
    colorbarMap_ = colormap_;
  }
  painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
  painter.drawImage(bar, colorbar_);
  painter.setPen(kSeparator);
  painter.setBrush(Qt::NoBrush);
  painter.drawRect(QRectF(bar).adjusted(-0.5, -0.5, 0.5, 0.5));
}

void ImageView::paintCrosshair(QPainter& painter) const {
  const bool crosshair = crosshairRow_ >= 0 && crosshairRow_ < image_.rows && crosshairCol_ >= 0 &&
                         crosshairCol_ < image_.cols;
  if (crosshair && hoverRow_ < 0) {
    // The pixel hovered in a linked view: full-length lines with a gap around the pixel itself.
    const QRectF pixel(imageToWidget(QPointF(crosshairCol_, crosshairRow_)),
                       imageToWidget(QPointF(crosshairCol_ + 1, crosshairRow_ + 1)));
    const QRectF area = imageArea();
    const double gap = std::max(6.0, zoom_ / 2.0 + 4.0);
    const QPointF c = pixel.center();
    painter.setPen(QPen(kCrosshair, 0));
    painter.drawLine(QPointF(area.left(), c.y()), QPointF(c.x() - gap, c.y()));
    painter.drawLine(QPointF(c.x() + gap, c.y()), QPointF(area.right(), c.y()));
    painter.drawLine(QPointF(c.x(), area.top()), QPointF(c.x(), c.y() - gap));
    painter.drawLine(QPointF(c.x(), c.y() + gap), QPointF(c.x(), area.bottom()));
    if (zoom_ >= kOutlineZoom) painter.drawRect(pixel);
  } else if (hoverRow_ >= 0 && zoom_ >= kOutlineZoom) {
    // In the view under the cursor the cursor marks the spot; outline the pixel it reads.
    painter.setPen(QPen(kCrosshair, 0));
    painter.drawRect(QRectF(imageToWidget(QPointF(hoverCol_, hoverRow_)),
                            imageToWidget(QPointF(hoverCol_ + 1, hoverRow_ + 1))));
  }
}

}  // namespace bilevel::widgets
