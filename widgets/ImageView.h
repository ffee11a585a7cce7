#pragma once

#include <QImage>
#include <QPointF>
#include <QRectF>
#include <QString>
#include <QWidget>
#include <utility>

#include "image/Image.h"
#include "widgets/Colormap.h"

namespace bilevel::widgets {

// A zoomable, pannable view of one scalar image, colour-mapped through a display range.
//
// The view transform is a zoom (screen pixels per image pixel) and a centre in image coordinates
// (x = column, y = row; pixel (r, c) covers [c, c + 1) × [r, r + 1)). The centre of the image area
// shows `centre()`. Until the user zooms or pans, the view stays fitted to the window; after that,
// setImage with an image of the same size keeps the transform, so that live updates during learning
// do not reset what the user is looking at.
//
// Mouse: the wheel zooms about the cursor, a left drag pans, a double-click fits. Keys: + and -
// zoom about the centre, 0 fits, 1 shows 1:1. The context menu chooses the colour map and range.
class ImageView : public QWidget {
  Q_OBJECT

 public:
  explicit ImageView(const QString& title, QWidget* parent = nullptr);

  // Copies the image. The colour-mapped image is rendered here once; painting only scales it.
  void setImage(const bilevel::Image& image);
  // Shows "no image".
  void clear();
  const bilevel::Image& image() const { return image_; }
  bool hasImage() const { return image_.rows > 0 && image_.cols > 0; }

  void setColormap(Colormap map);
  Colormap colormap() const { return colormap_; }

  // Auto: min..max of the finite values of the image, or ±max|v| with the Diverging map; a constant
  // image gets a range of width 1 around its value. Fixed: [lo, hi] as given.
  void setFixedRange(double lo, double hi);
  void setAutoRange();
  bool isAutoRange() const { return autoRange_; }
  std::pair<double, double> displayRange() const { return range_; }

  // The colour-mapped image at native resolution (null without an image).
  QImage renderedImage() const { return rendered_; }

  double zoom() const { return zoom_; }
  QPointF centre() const { return centre_; }
  QString title() const { return title_; }
  void setTitle(const QString& title);

  // The part of the widget the image is drawn in (between the header and the colour bar).
  QRectF imageArea() const;
  // Widget position of an image point and back, under the current view transform.
  QPointF imageToWidget(QPointF imagePoint) const;
  QPointF widgetToImage(QPointF widgetPoint) const;

  // Marks pixel (row, col) with a crosshair; row -1 removes it. Linked views use it to show the
  // pixel hovered in another view.
  void setCrosshair(int row, int col);
  std::pair<int, int> crosshair() const { return {crosshairRow_, crosshairCol_}; }

  QSize sizeHint() const override { return {360, 320}; }
  QSize minimumSizeHint() const override { return {120, 100}; }

 public slots:
  // Sets the transform without emitting viewChanged (so that linked views cannot echo).
  void setView(double zoom, QPointF centre);
  // Fits the whole image into the image area; emits viewChanged.
  void fitToWindow();
  // One screen pixel per image pixel, about the current centre; emits viewChanged.
  void resetZoom();

 signals:
  // The user zoomed (wheel, +/- keys), panned (drag) or asked for a fit or 1:1.
  void viewChanged(double zoom, QPointF centre);
  // The cursor moved onto pixel (row, col) holding `value`; row = col = -1 when it leaves the
  // image.
  void pixelHovered(int row, int col, double value, const QString& viewTitle);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;

 private:
  void updateRange();
  void render();
  double fitZoom() const;
  void applyFit();
  void zoomAbout(QPointF widgetPoint, double factor);
  void setViewInternal(double zoom, QPointF centre);
  void reportHover(QPointF widgetPoint);
  void reportLeave();
  const QImage& scaledForPainting();
  void paintHeader(QPainter& painter, const QRectF& rect) const;
  void paintFooter(QPainter& painter, const QRectF& rect);
  void paintCrosshair(QPainter& painter) const;

  QString title_;
  bilevel::Image image_;
  Colormap colormap_ = Colormap::Grey;
  bool autoRange_ = true;
  std::pair<double, double> fixedRange_{0.0, 1.0};
  std::pair<double, double> range_{0.0, 1.0};

  QImage rendered_;
  // Downscaled copy for zoom < 1, averaged rather than point-sampled so that zoomed-out views do
  // not alias; rebuilt when the rendering or the zoom changes.
  QImage scaled_;
  double scaledZoom_ = 0.0;
  QImage colorbar_;
  Colormap colorbarMap_ = Colormap::Grey;

  double zoom_ = 1.0;
  QPointF centre_;
  bool fitted_ = true;  // follows the window size until the user zooms or pans

  bool dragging_ = false;
  QPointF dragLast_;
  int hoverRow_ = -1;
  int hoverCol_ = -1;
  int crosshairRow_ = -1;
  int crosshairCol_ = -1;
};

}  // namespace bilevel::widgets
