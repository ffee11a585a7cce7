#include "widgets/ImageViewLink.h"

namespace bilevel::widgets {

ImageViewLink::ImageViewLink(QObject* parent) : QObject(parent) {}

void ImageViewLink::add(ImageView* view, DisplayRange range) {
  if (view == nullptr || views_.contains(view)) return;
  views_.append(view);
  if (range == DisplayRange::Shared) {
    sharedRange_.append(view);
    connect(view, &ImageView::windowLevelChosen, this, [this, view](double lo, double hi) {
      shareRange(view, [lo, hi](ImageView* other) { other->setFixedRange(lo, hi); });
    });
    connect(view, &ImageView::minMaxRangeChosen, this,
            [this, view] { shareRange(view, [](ImageView* other) { other->setAutoRange(); }); });
    connect(view, &ImageView::resetRangeChosen, this, [this, view] {
      shareRange(view, [](ImageView* other) { other->resetDisplayRange(); });
    });
  }
  connect(view, &ImageView::viewChanged, this,
          [this, view](double zoom, QPointF centre) { follow(view, zoom, centre); });
  connect(view, &ImageView::pixelHovered, this, &ImageViewLink::hover);
  // By the time destroyed() is emitted the QPointer is already null.
  connect(view, &QObject::destroyed, this, [this] {
    views_.removeIf([](const QPointer<ImageView>& v) { return v.isNull(); });
    sharedRange_.removeIf([](const QPointer<ImageView>& v) { return v.isNull(); });
  });
}

void ImageViewLink::remove(ImageView* view) {
  if (view == nullptr || !views_.contains(view)) return;
  views_.removeAll(view);
  sharedRange_.removeAll(view);
  disconnect(view, nullptr, this, nullptr);
  view->setCrosshair(-1, -1);
}

QList<ImageView*> ImageViewLink::views() const {
  QList<ImageView*> result;
  for (const QPointer<ImageView>& view : views_) {
    if (view) result.append(view.data());
  }
  return result;
}

void ImageViewLink::follow(ImageView* source, double zoom, QPointF centre) {
  for (const QPointer<ImageView>& view : views_) {
    if (!view || view == source) continue;
    // A fit is handed on as a fit, not as the source's zoom: each view then keeps re-fitting to
    // its own size after a resize (before, only the view that was fitted did).
    if (source->isFitted()) {
      view->followFit();
    } else {
      view->setView(zoom, centre);
    }
  }
}

void ImageViewLink::hover(int row, int col, double value, const QString& viewTitle,
                          const QString& readout) {
  for (const QPointer<ImageView>& view : views_) {
    if (view) view->setCrosshair(row, col);
  }
  emit pixelHovered(row, col, value, viewTitle, readout);
}

template <class Apply>
void ImageViewLink::shareRange(ImageView* source, Apply&& apply) {
  for (const QPointer<ImageView>& view : sharedRange_) {
    if (view && view != source) apply(view.data());
  }
}

}  // namespace bilevel::widgets
