#include "widgets/FilterBankView.h"

#include <QFontMetrics>
#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "widgets/Colormap.h"

namespace bilevel::widgets {

namespace {

constexpr int kGap = 6;  // between tiles and around the bank

double largestMagnitude(const Image& kernel) {
  return kernel.size() == 0 ? 0.0 : kernel.pixels.cwiseAbs().maxCoeff();
}

}  // namespace

FilterBankView::FilterBankView(QWidget* parent) : QWidget(parent) {
  QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
  policy.setHeightForWidth(true);
  setSizePolicy(policy);
}

void FilterBankView::setFilters(std::vector<FilterTile> filters) {
  filters_ = std::move(filters);
  order_.resize(filters_.size());
  std::iota(order_.begin(), order_.end(), 0);
  // NaN weights sort last: a diverged run shows its filters after the meaningful ones.
  std::stable_sort(order_.begin(), order_.end(), [&](int a, int b) {
    const double wa = filters_[a].weight, wb = filters_[b].weight;
    if (std::isnan(wb)) return !std::isnan(wa);
    if (std::isnan(wa)) return false;
    return wa > wb;
  });
  pictures_.clear();
  pictures_.reserve(filters_.size());
  for (const FilterTile& tile : filters_) {
    const double m = largestMagnitude(tile.kernel);
    pictures_.push_back(renderImage(tile.kernel, -m, m, Colormap::Diverging));
  }
  updateGeometry();
  update();
}

void FilterBankView::setTileSize(int pixels) {
  tileSize_ = pixels <= 0 ? 0 : std::max(8, pixels);
  updateGeometry();
  update();
}

int FilterBankView::tileSizeFor(int width) const {
  if (tileSize_ > 0) return tileSize_;
  const int columns = std::max(1, int(std::ceil(std::sqrt(1.5 * std::max(1, filterCount())))));
  return std::clamp((width - kGap) / columns - kGap, kMinimumTile, kMaximumTile);
}

int FilterBankView::cellWidth(int width) const {
  return tileSizeFor(width) + kGap;
}

int FilterBankView::cellHeight(int width) const {
  return tileSizeFor(width) + fontMetrics().height() + 2 + kGap;
}

int FilterBankView::columnsFor(int width) const {
  return std::max(1, (width - kGap) / cellWidth(width));
}

int FilterBankView::columnCount() const {
  return columnsFor(width());
}

int FilterBankView::heightForWidth(int width) const {
  const int columns = columnsFor(width);
  const int rows = (filterCount() + columns - 1) / columns;
  return kGap + std::max(1, rows) * cellHeight(width);
}

QSize FilterBankView::sizeHint() const {
  const int side = tileSize_ > 0 ? tileSize_ : kMinimumTile;
  const int columns = std::clamp(filterCount(), 1, 8);
  const int width = kGap + columns * (side + kGap);
  return {width, heightForWidth(width)};
}

QSize FilterBankView::minimumSizeHint() const {
  const int side = tileSize_ > 0 ? tileSize_ : kMinimumTile;
  return {kGap + side + kGap, kGap + side + fontMetrics().height() + 2 + kGap};
}

QRect FilterBankView::tileRect(int filter) const {
  const auto it = std::find(order_.begin(), order_.end(), filter);
  if (it == order_.end()) return {};
  const int position = static_cast<int>(it - order_.begin());
  const int columns = columnCount(), side = tileSize();
  const int row = position / columns, column = position % columns;
  return {kGap + column * cellWidth(width()), kGap + row * cellHeight(width()), side, side};
}

int FilterBankView::filterAt(QPoint point) const {
  for (int filter = 0; filter < filterCount(); ++filter) {
    if (tileRect(filter).contains(point)) return filter;
  }
  return -1;
}

void FilterBankView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  if (filters_.empty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, tr("No filters"));
    return;
  }
  const QFontMetrics metrics = fontMetrics();
  for (int filter = 0; filter < filterCount(); ++filter) {
    const QRect tile = tileRect(filter);
    // Nearest neighbour: each kernel tap stays one flat square, as it is one coefficient.
    painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
    painter.drawImage(tile, pictures_[filter]);
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(tile.adjusted(0, 0, -1, -1));
    painter.setPen(palette().color(QPalette::WindowText));
    // The number alone: the caption says the labels are ν, and "ν 0.0025" does not fit a tile.
    const QString label = QString::number(filters_[filter].weight, 'g', 2);
    const QRect text(tile.left() - kGap / 2, tile.bottom() + 2, tile.width() + kGap,
                     metrics.height());
    painter.drawText(text, Qt::AlignHCenter | Qt::AlignTop,
                     metrics.elidedText(label, Qt::ElideRight, text.width()));
  }
}

bool FilterBankView::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const int filter = filterAt(help->pos());
    if (filter < 0) {
      QToolTip::hideText();
      event->ignore();
      return true;
    }
    const FilterTile& tile = filters_[filter];
    const double m = largestMagnitude(tile.kernel);
    QToolTip::showText(help->globalPos(),
                       tr("Filter %1 of %2, %3×%4\nν = %5\ncoefficients in [−%6, %6] "
                          "(blue negative, red positive)")
                           .arg(filter + 1)
                           .arg(filterCount())
                           .arg(tile.kernel.rows)
                           .arg(tile.kernel.cols)
                           .arg(tile.weight, 0, 'g', 6)
                           .arg(m, 0, 'g', 3),
                       this, tileRect(filter));
    return true;
  }
  return QWidget::event(event);
}

}  // namespace bilevel::widgets
