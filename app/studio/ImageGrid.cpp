#include "ImageGrid.h"

#include <QGridLayout>
#include <vector>

#include "widgets/ImageView.h"
#include "widgets/ImageViewLink.h"

namespace bilevel::studio {

ImageGrid::ImageGrid(QWidget* parent) : QWidget(parent) {
  grid_ = new QGridLayout(this);
  grid_->setContentsMargins(2, 2, 2, 2);
  grid_->setSpacing(2);
  clean_ = new widgets::ImageView(tr("Clean"));
  noisy_ = new widgets::ImageView(tr("Noisy"));
  reconstructionView_ = new widgets::ImageView(tr("Reconstruction x*"));
  residual_ = new widgets::ImageView(tr("Error x* − clean"));
  removed_ = new widgets::ImageView(tr("Removed noise"));
  auto* lambda = new widgets::ImageView(tr("λ map"));
  auto* jumpSet = new widgets::ImageView(tr("Jump set (∇x* ≠ 0)"));
  modelViews_ = {{ViewKind::WeightMap, lambda}, {ViewKind::JumpSet, jumpSet}};
  // Working intensities 0 and 1 are the ends of the clean image's data range (IntensityRange):
  // the default window shows that range, which Reset returns to.
  for (auto* view : {clean_, noisy_, reconstructionView_})
    view->setDefaultRange(0.0, 1.0);
  residual_->setColormap(widgets::Colormap::Diverging);
  removed_->setColormap(widgets::Colormap::Diverging);
  lambda->setColormap(widgets::Colormap::Viridis);
  // A 0/1 mask: black where x* is flat, white on the jump set.
  jumpSet->setDefaultRange(0.0, 1.0);
  // Owned by the grid whether or not the layout holds them: a hidden view is out of the layout.
  for (const auto& [kind, view] : modelViews_) {
    view->setParent(this);
    view->hide();
  }
  arrange();
  link_ = new widgets::ImageViewLink(this);
  // The three pictures of the same intensities share window/level; the differences keep their
  // symmetric range and the λ map its own.
  for (auto* view : {clean_, noisy_, reconstructionView_})
    link_->add(view, widgets::ImageViewLink::DisplayRange::Shared);
  for (auto* view : {residual_, removed_})
    link_->add(view);
  for (const auto& [kind, view] : modelViews_)
    link_->add(view);

  derivedTimer_.setSingleShot(true);
  derivedTimer_.setInterval(1);
  connect(&derivedTimer_, &QTimer::timeout, this, &ImageGrid::flush);
}

void ImageGrid::setPair(const TrainingPair& pair) {
  pair_ = pair;
  clean_->setImage(pair.clean);
  noisy_->setImage(pair.noisy);
  reconstructionView_->setImage(pair.noisy);
  // No reconstruction until the first preview of these images: one of the previous images (a
  // preview shown while these were read) is neither exported nor compared with the new clean
  // image by the deferred error views, which would read past the end of a smaller one.
  reconstruction_ = Image();
  pendingViews_.clear();
  derivedPending_ = false;
  residual_->clear();
  removed_->clear();
  for (const auto& [kind, view] : modelViews_)
    view->clear();
  fitPending_ = true;
}

void ImageGrid::showReconstruction(const Image& reconstruction, const ModelViews& views) {
  reconstruction_ = reconstruction;
  // The clean image's map to raw units: the readout, the export and the differences use it.
  reconstruction_.range = pair_.clean.range;
  reconstruction_.sourceBitDepth = pair_.clean.sourceBitDepth;
  reconstructionView_->setImage(reconstruction_);
  pendingViews_ = views;
  derivedPending_ = true;
  derivedTimer_.start();
}

void ImageGrid::flush() {
  if (derivedPending_ && reconstruction_.size() > 0) {
    derivedPending_ = false;
    residual_->setImage(difference(reconstruction_, pair_.clean));
    removed_->setImage(difference(pair_.noisy, reconstruction_));
    for (const ModelView& shown : pendingViews_) {
      if (auto* view = modelView(shown.kind); view && shown.image.size() > 0)
        view->setImage(shown.image);
    }
    if (fitPending_) {
      fitPending_ = false;
      fit();
    }
  }
  emit derivedViewsShown();
}

void ImageGrid::setModelViewKinds(const QStringList& kinds) {
  for (const auto& [kind, view] : modelViews_)
    view->setVisible(kinds.contains(QString::fromStdString(toString(kind))));
  arrange();
}

widgets::ImageView* ImageGrid::modelView(ViewKind kind) const {
  const auto it = modelViews_.find(kind);
  return it == modelViews_.end() ? nullptr : it->second;
}

void ImageGrid::arrange() {
  // Two columns fill the central area with square images: the reconstruction beside its error,
  // then the noise it removed and the model's own views (the weight map that decided how much,
  // the jump set), in reading order without holes.
  std::vector<widgets::ImageView*> order{clean_, noisy_, reconstructionView_, residual_, removed_};
  for (const auto& [kind, view] : modelViews_) {
    if (!view->isHidden()) order.push_back(view);
  }
  for (auto* view : {clean_, noisy_, reconstructionView_, residual_, removed_})
    grid_->removeWidget(view);
  for (const auto& [kind, view] : modelViews_)
    grid_->removeWidget(view);
  for (std::size_t i = 0; i < order.size(); ++i)
    grid_->addWidget(order[i], int(i / 2), int(i % 2));
}

void ImageGrid::fit() {
  // The views are linked, so fitting one fits them all.
  if (clean_->hasImage()) clean_->fitToWindow();
}

}  // namespace bilevel::studio
