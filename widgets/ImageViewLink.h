#pragma once

#include <QList>
#include <QObject>
#include <QPointF>
#include <QPointer>
#include <QString>

#include "widgets/ImageView.h"

namespace bilevel::widgets {

// Keeps a set of image views looking at the same place: when the user zooms or pans one, the others
// take its zoom and centre. Hovering a pixel in any of them shows a crosshair on that pixel in all
// of them, and the hover is re-emitted here so that one status bar can serve the whole set.
//
// Views added with DisplayRange::Shared also share window/level: a range a person chooses in one of
// them (right drag, Auto percentiles, Min–max, Reset) is taken by the others (the clean, noisy and
// reconstruction views, which show the same intensities); views with their own range (differences
// on a symmetric scale, a weight map) keep it.
//
// Views are followed through setView and the range setters, which do not emit, so a change cannot
// echo back. A view that is destroyed leaves the link by itself.
class ImageViewLink : public QObject {
  Q_OBJECT

 public:
  explicit ImageViewLink(QObject* parent = nullptr);

  enum class DisplayRange { Own, Shared };
  // Adds `view` (once). It keeps its own view until one of the linked views is zoomed or panned,
  // and its own display range until a Shared one's range is chosen (if it is Shared).
  void add(ImageView* view, DisplayRange range = DisplayRange::Own);
  // Unlinks `view` and removes the crosshair the link put on it.
  void remove(ImageView* view);
  QList<ImageView*> views() const;

 signals:
  void pixelHovered(int row, int col, double value, QString viewTitle, QString readout);

 private:
  void follow(ImageView* source, double zoom, QPointF centre);
  void hover(int row, int col, double value, const QString& viewTitle, const QString& readout);
  // Applies `apply` to every Shared view but `source`.
  template <class Apply>
  void shareRange(ImageView* source, Apply&& apply);

  QList<QPointer<ImageView>> views_;
  QList<QPointer<ImageView>> sharedRange_;
};

}  // namespace bilevel::widgets
