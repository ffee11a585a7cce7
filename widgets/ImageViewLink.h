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
// Views are followed through setView, which does not emit viewChanged, so a change cannot echo
// back. A view that is destroyed leaves the link by itself.
class ImageViewLink : public QObject {
  Q_OBJECT

 public:
  explicit ImageViewLink(QObject* parent = nullptr);

  // Adds `view` (once). It keeps its own view until one of the linked views is zoomed or panned.
  void add(ImageView* view);
  // Unlinks `view` and removes the crosshair the link put on it.
  void remove(ImageView* view);
  QList<ImageView*> views() const;

 signals:
  void pixelHovered(int row, int col, double value, QString viewTitle);

 private:
  void follow(ImageView* source, double zoom, QPointF centre);
  void hover(int row, int col, double value, const QString& viewTitle);

  QList<QPointer<ImageView>> views_;
};

}  // namespace bilevel::widgets
