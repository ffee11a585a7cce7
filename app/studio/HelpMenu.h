#pragma once

class QMenuBar;
class QWidget;

namespace bilevel::studio {

// Help › Keyboard Shortcuts and About, with `parent` owning their dialogs.
void addHelpMenu(QMenuBar* menuBar, QWidget* parent);

}  // namespace bilevel::studio
