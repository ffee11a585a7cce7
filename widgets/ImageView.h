#pragma once

#include <QImage>
#include <QPointF>
#include <QRectF>
#include <QString>
#include <QWidget>
#include <optional>
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
// Mouse: the wheel zooms about the cursor, a left drag pans, a double-click fits, a right drag sets
// window/level (horizontal: the window's width, ×2 per 200 px to the right; vertical: its level,
// dragging up by the image area's height lowers it by one width, which brightens the picture). A
// right click without a drag opens the context menu: colour map, "Auto (percentiles 0.5–99.5)",
// "Min–max (follows the image)", "Reset", fit and copy. The diverging map keeps its range
// symmetric about 0: a right drag scales it, the level stays 0. Keys: + and - zoom about the
// centre, 0 fits, 1 shows 1:1.
//
// Values are working intensities (core/image/IntensityRange.h); when the image has raw units
// (Image::range) the readout, the header and the colour bar show them in the data's units.
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
  // image gets a range of width 1 around its value. Fixed: [lo, hi] as given. These set the range
  // without emitting anything (the window and ImageViewLink call them).
  void setFixedRange(double lo, double hi);
  void setAutoRange();
  // The range "Reset" returns to, applied now; until one is set, Reset means Auto.
  void setDefaultRange(double lo, double hi);
  void resetDisplayRange();
  bool isAutoRange() const { return autoRange_; }
  std::pair<double, double> displayRange() const { return range_; }

  // What a person does (right drag, the context menu): the same as the setters above, then the
  // matching signal, so that linked views follow. The percentile range is computed from this
  // view's image (symmetric with the Diverging map) and handed on as a fixed range.
  void chooseWindowLevel(double lo, double hi);
  void choosePercentileRange();
  void chooseMinMaxRange();
  void chooseResetRange();

  // `value` as the readout shows it: "2034 (0.5170)", the raw value in the data's units with the
  // working intensity, or just the value for an image without raw units.
  QString readout(double value) const;
  // The colour-mapped image at native resolution (null without an image).
  QImage renderedImage() const { return rendered_; }

  double zoom() const { return zoom_; }
  QPointF centre() const { return centre_; }
  // Whether the view follows the window size (fitted, and not zoomed or panned since).
  bool isFitted() const { return fitted_; }
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
  // Fits without emitting (a linked view was fitted): like it, this view then follows its own
  // size until the user zooms or pans, so every view re-fits after a resize.
  void followFit();
  // One screen pixel per image pixel, about the current centre; emits viewChanged.
  void resetZoom();

 signals:
  // The user zoomed (wheel, +/- keys), panned (drag) or asked for a fit or 1:1.
  void viewChanged(double zoom, QPointF centre);
  // The cursor moved onto pixel (row, col) holding `value`; row = col = -1 when it leaves the
  // image.
  // `readout` is readout(value) (empty when leaving).
  void pixelHovered(int row, int col, double value, const QString& viewTitle,
                    const QString& readout);
  // The person chose a display range (see the choose… functions).
  void windowLevelChosen(double lo, double hi);
  void minMaxRangeChosen();
  void resetRangeChosen();

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
  void applyRange();
  void showContextMenu(const QPoint& globalPosition);
  // The range's ends as the header and colour bar show them (raw units when the image has them).
  QString formatRangeEnd(double value) const;

  QString title_;
  bilevel::Image image_;
  Colormap colormap_ = Colormap::Grey;
  bool autoRange_ = true;
  std::pair<double, double> fixedRange_{0.0, 1.0};
  std::pair<double, double> range_{0.0, 1.0};
  std::optional<std::pair<double, double>> defaultRange_;

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

  // Right drag: window/level from the range at the press; a press without a drag is a click
  // that opens the context menu (Qt sends the menu event at the press on X11, which is deferred
  // to the release so that the drag can happen).
  bool rightDown_ = false;
  bool windowing_ = false;
  bool windowMoved_ = false;
  bool menuDeferred_ = false;
  bool suppressNextMenu_ = false;
  QPointF windowStart_;
  std::pair<double, double> windowStartRange_;
};

}  // namespace bilevel::widgets
