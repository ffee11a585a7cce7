#pragma once

#include <QString>
#include <QWidget>
#include <vector>

#include "image/Image.h"

namespace bilevel::widgets {

// One learned filter as the filter bank shows it: the s×s kernel k_k and its weight ν_k
// (E(x, θ) = ½‖x − y‖² + Σ_k ν_k Σ_i ρ((k_k ⋆ x)_i), DESIGN.md §2).
struct FilterTile {
  Image kernel;
  double weight = 0.0;
};

// A learned filter bank as tiles (issue 11 §3), the way the Fields-of-Experts papers show one: the
// filters ordered by weight ν, largest first, each drawn with the diverging map on its own range
// symmetric about 0 (so the shape of a weak filter is as visible as a strong one's; 0 is white)
// and labelled with its ν. Tiles flow into as many columns as the width allows, so the widget has
// a height for its width and sits in a scroll area. The tooltip of a tile names its filter's index
// in θ, ν and the kernel's range.
class FilterBankView : public QWidget {
  Q_OBJECT

 public:
  explicit FilterBankView(QWidget* parent = nullptr);

  // Replaces the bank; tiles may be of any (equal or not) kernel sizes.
  void setFilters(std::vector<FilterTile> filters);
  void clear() { setFilters({}); }
  int filterCount() const { return static_cast<int>(filters_.size()); }

  // Side of a tile's picture in pixels (the kernel is scaled up without smoothing). 0, the
  // default, fits the tiles to the width: about √(1.5 K) columns (6 for 24 filters, 9 for 48),
  // each between kMinimumTile and kMaximumTile pixels.
  static constexpr int kMinimumTile = 36;
  static constexpr int kMaximumTile = 96;
  void setTileSize(int pixels);
  int tileSize() const { return tileSizeFor(width()); }

  // The filters' indices in display order (by ν, largest first; ties keep θ's order).
  const std::vector<int>& displayOrder() const { return order_; }
  // Index (in θ's order) of the filter whose tile holds `point`, -1 outside every tile.
  int filterAt(QPoint point) const;
  // Where the filter with index `filter` (θ's order) is drawn; empty for an unknown index.
  QRect tileRect(int filter) const;
  int columnCount() const;

  bool hasHeightForWidth() const override { return true; }
  int heightForWidth(int width) const override;
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;
  bool event(QEvent* event) override;

 private:
  int tileSizeFor(int width) const;
  int columnsFor(int width) const;
  int cellWidth(int width) const;
  int cellHeight(int width) const;

  std::vector<FilterTile> filters_;
  std::vector<int> order_;
  std::vector<QImage> pictures_;  // per filter, θ's order
  int tileSize_ = 0;              // 0: fitted to the width
};

}  // namespace bilevel::widgets
