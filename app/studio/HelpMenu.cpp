#include "HelpMenu.h"

#include <QCoreApplication>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>

namespace bilevel::studio {

namespace {

QString tr(const char* text) {
  return QCoreApplication::translate("bilevel::studio::MainWindow", text);
}

}  // namespace

void addHelpMenu(QMenuBar* menuBar, QWidget* parent) {
  QMenu* help = menuBar->addMenu(tr("&Help"));
  help->addAction(tr("&Keyboard Shortcuts"), parent, [parent] {
    QMessageBox::information(
        parent, tr("Keyboard shortcuts"),
        tr("<table>"
           "<tr><td>F5 / Ctrl+L</td><td>Learn</td></tr><tr><td>F6</td><td>Pause</td></tr>"
           "<tr><td>F10</td><td>One outer step</td></tr><tr><td>Esc</td><td>Stop</td></tr>"
           "<tr><td>F7</td><td>Jacobian diagnostics</td></tr>"
           "<tr><td>Ctrl+Z / Ctrl+Shift+Z</td><td>Undo / redo an edit or a learning run</td></tr>"
           "<tr><td>Ctrl+N</td><td>New session (the default preset)</td></tr>"
           "<tr><td>Ctrl+O</td><td>Open image</td></tr><tr><td>Ctrl+S</td><td>Save "
           "session</td></tr>"
           "<tr><td>Ctrl+E</td><td>Export reconstruction</td></tr>"
           "<tr><td>Ctrl+Q</td><td>Quit (asks to save changes, to stop learning)</td></tr>"
           "<tr><td>Ctrl+0</td><td>Fit images</td></tr>"
           "<tr><td>Wheel / drag / double-click</td><td>Zoom / pan / fit (all views)</td></tr>"
           "<tr><td>Right drag</td><td>Window (left–right) and level (up–down) of the clean, "
           "noisy and reconstruction views; right click for Auto and Reset</td></tr>"
           "</table>"));
  });
  help->addAction(tr("&About Bilevel Studio"), parent, [parent] {
    QMessageBox::about(parent, tr("About Bilevel Studio"),
                       tr("<b>Bilevel Studio</b><p>Learns the parameters of image models by "
                          "bilevel optimisation, live: the reconstruction, the losses and the "
                          "hypergradients as they are computed.</p>"));
  });
}

}  // namespace bilevel::studio
