#include "ImageGrid.h"

#include <QGridLayout>

#include "widgets/ImageView.h"
#include "widgets/ImageViewLink.h"

namespace bilevel::studio {

ImageGrid::ImageGrid(QWidget* parent) : QWidget(parent) {
  auto* grid = new QGridLayout(this);
  grid->setContentsMargins(2, 2, 2, 2);
  grid->setSpacing(2);
  clean_ = new widgets::ImageView(tr("Clean"));
  noisy_ = new widgets::ImageView(tr("Noisy"));
  reconstructionView_ = new widgets::ImageView(tr("Reconstruction x*"));
  residual_ = new widgets::ImageView(tr("Error x* − clean"));
  removed_ = new widgets::ImageView(tr("Removed noise"));
  lambda_ = new widgets::ImageView(tr("λ map"));
  // Working intensities 0 and 1 are the ends of the clean image's data range (IntensityRange):
  // the default window shows that range, which Reset returns to.
  for (auto* view : {clean_, noisy_, reconstructionView_})
    view->setDefaultRange(0.0, 1.0);
  residual_->setColormap(widgets::Colormap::Diverging);
  removed_->setColormap(widgets::Colormap::Diverging);
  lambda_->setColormap(widgets::Colormap::Viridis);
  // Two columns fill the central area with square images: the reconstruction beside its error,
  // the noise it removed beside the weight map that decided how much.
  grid->addWidget(clean_, 0, 0);
  grid->addWidget(noisy_, 0, 1);
  grid->addWidget(reconstructionView_, 1, 0);
  grid->addWidget(residual_, 1, 1);
  grid->addWidget(removed_, 2, 0);
  grid->addWidget(lambda_, 2, 1);
  link_ = new widgets::ImageViewLink(this);
  // The three pictures of the same intensities share window/level; the differences keep their
  // symmetric range and the λ map its own.
  for (auto* view : {clean_, noisy_, reconstructionView_})
    link_->add(view, widgets::ImageViewLink::DisplayRange::Shared);
  for (auto* view : {residual_, removed_, lambda_})
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
  pendingWeightMap_ = Image();
  derivedPending_ = false;
  residual_->clear();
  removed_->clear();
  lambda_->clear();
  fitPending_ = true;
}

void ImageGrid::showReconstruction(const Image& reconstruction, const Image& weightMap) {
  reconstruction_ = reconstruction;
  // The clean image's map to raw units: the readout, the export and the differences use it.
  reconstruction_.range = pair_.clean.range;
  reconstruction_.sourceBitDepth = pair_.clean.sourceBitDepth;
  reconstructionView_->setImage(reconstruction_);
  pendingWeightMap_ = weightMap;
  derivedPending_ = true;
  derivedTimer_.start();
}

void ImageGrid::flush() {
  if (derivedPending_ && reconstruction_.size() > 0) {
    derivedPending_ = false;
    residual_->setImage(difference(reconstruction_, pair_.clean));
    removed_->setImage(difference(pair_.noisy, reconstruction_));
    if (pendingWeightMap_.size() > 0) lambda_->setImage(pendingWeightMap_);
    if (fitPending_) {
      fitPending_ = false;
      fit();
    }
  }
  emit derivedViewsShown();
}

void ImageGrid::setWeightMapVisible(bool visible) {
  lambda_->setVisible(visible);
}

void ImageGrid::fit() {
  // The views are linked, so fitting one fits them all.
  if (clean_->hasImage()) clean_->fitToWindow();
}

}  // namespace bilevel::studio
