#pragma once

#include <QStringList>
#include <QTimer>
#include <QWidget>
#include <map>

#include "CoreTypes.h"

class QGridLayout;

namespace bilevel::widgets {
class ImageView;
class ImageViewLink;
}  // namespace bilevel::widgets

namespace bilevel::studio {

// The studio's central picture: the clean, noisy and reconstructed images, the error, the noise
// removed and what the model shows besides x (the λ map, the jump set), linked (zoom, pan,
// window/level of the intensity views). A new reconstruction is shown at once; the views derived
// from it follow one event-loop turn later (derivedViewsShown), so that the window answers input
// between the two halves of the work.
class ImageGrid : public QWidget {
  Q_OBJECT

 public:
  explicit ImageGrid(QWidget* parent = nullptr);

  // New images: the reconstruction shows the noisy one until the first solve; the derived
  // views are cleared and everything fits the window once they are shown.
  void setPair(const TrainingPair& pair);
  // x*(θ) in the clean image's raw units, and the model's views of it (empty: keep the last).
  void showReconstruction(const Image& reconstruction, const ModelViews& views);
  // Empty until the first reconstruction of the open images.
  const Image& reconstruction() const { return reconstruction_; }
  // The kinds of view the model shows (CoreWorker::viewsChanged, toString(ViewKind)): their
  // views appear after the five fixed ones, two to a row; the others are hidden.
  void setModelViewKinds(const QStringList& kinds);
  void fit();
  // Shows the derived views now if they are waiting (the end of a run).
  void flush();

  widgets::ImageView* clean() const { return clean_; }
  widgets::ImageView* noisy() const { return noisy_; }
  widgets::ImageView* reconstructionView() const { return reconstructionView_; }
  widgets::ImageView* lambda() const { return modelView(ViewKind::WeightMap); }
  widgets::ImageView* jumpSet() const { return modelView(ViewKind::JumpSet); }
  widgets::ImageView* modelView(ViewKind kind) const;
  widgets::ImageViewLink* link() const { return link_; }

 signals:
  void derivedViewsShown();

 private:
  void arrange();

  TrainingPair pair_;
  Image reconstruction_;
  ModelViews pendingViews_;
  bool derivedPending_ = false;
  bool fitPending_ = false;
  QTimer derivedTimer_;
  widgets::ImageView* clean_ = nullptr;
  widgets::ImageView* noisy_ = nullptr;
  widgets::ImageView* reconstructionView_ = nullptr;
  widgets::ImageView* residual_ = nullptr;
  widgets::ImageView* removed_ = nullptr;
  std::map<ViewKind, widgets::ImageView*> modelViews_;
  QGridLayout* grid_ = nullptr;
  widgets::ImageViewLink* link_ = nullptr;
};

}  // namespace bilevel::studio
