#include "Theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyleFactory>

namespace bilevel::studio {

void applyStudioTheme(QApplication& application) {
  application.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
  const QColor window(45, 47, 51), base(30, 31, 34), text(220, 222, 226), accent(66, 133, 214);
  const QColor disabled(125, 128, 134);
  QPalette palette;
  palette.setColor(QPalette::Window, window);
  palette.setColor(QPalette::WindowText, text);
  palette.setColor(QPalette::Base, base);
  palette.setColor(QPalette::AlternateBase, QColor(38, 40, 44));
  palette.setColor(QPalette::ToolTipBase, QColor(250, 250, 235));
  palette.setColor(QPalette::ToolTipText, QColor(20, 20, 20));
  palette.setColor(QPalette::Text, text);
  palette.setColor(QPalette::Button, window);
  palette.setColor(QPalette::ButtonText, text);
  palette.setColor(QPalette::BrightText, QColor(255, 90, 80));
  palette.setColor(QPalette::Link, accent);
  palette.setColor(QPalette::Highlight, accent);
  palette.setColor(QPalette::HighlightedText, Qt::white);
  palette.setColor(QPalette::PlaceholderText, disabled);
  for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
    palette.setColor(QPalette::Disabled, role, disabled);
  }
  application.setPalette(palette);
}

}  // namespace bilevel::studio
