#pragma once

class QApplication;

namespace bilevel::studio {

// A dark Fusion palette: images read best on a dark surround (as in napari, Fiji's dark mode or
// 3D Slicer), and it matches the dark image views and charts.
void applyStudioTheme(QApplication& application);

}  // namespace bilevel::studio
