// The dataset mode's widgets (issue 11 §3): the image list, the per-image PSNR table and the
// settings form.
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QtTest>

#include "config/Configuration.h"
#include "widgets/DatasetImageList.h"
#include "widgets/DatasetSettingsForm.h"
#include "widgets/PerImageTable.h"

using namespace bilevel;
using namespace bilevel::widgets;

class DatasetWidgetsTest : public QObject {
  Q_OBJECT

 private slots:
  void theListShowsEveryImageWithItsSizeAndSplit() {
    DatasetImageList list;
    Image thumbnail(4, 6);
    thumbnail.pixels.setLinSpaced(0.0, 1.0);
    list.setImages({{QStringLiteral("a"), 40, 60, thumbnail, false},
                    {QStringLiteral("b"), 32, 32, thumbnail, true},
                    {QStringLiteral("c"), 32, 32, Image(), false}});
    QCOMPARE(list.imageCount(), 3);
    QCOMPARE(list.validationCount(), 1);
    QCOMPARE(list.item(0, 1)->text(), QStringLiteral("60×40"));  // width × height
    QCOMPARE(list.item(1, 2)->text(), QStringLiteral("validation"));
    QCOMPARE(list.item(2, 2)->text(), QStringLiteral("training"));
    QVERIFY(!list.item(0, 0)->icon().isNull());
    QVERIFY(list.item(2, 0)->icon().isNull());
    list.setImages({});
    QCOMPARE(list.imageCount(), 0);
    QCOMPARE(list.validationCount(), 0);
  }

  void theTableShowsEachImageTheGainAndTheMean() {
    PerImageTable table;
    QSignalSpy captions(&table, &PerImageTable::captionChanged);
    table.setResults(
        {{QStringLiteral("leaf-1"), 1, 20.0, 23.5}, {QStringLiteral("leaf-2"), 4, 21.0, 20.0}}, 7);
    QCOMPARE(table.imageCount(), 2);
    QCOMPARE(table.rowCount(), 3);  // and the mean
    QCOMPARE(table.step(), 7);
    QCOMPARE(table.item(0, 3)->text(), QStringLiteral("+3.50"));
    QCOMPARE(table.item(1, 3)->text(), QStringLiteral("-1.00"));
    QCOMPARE(table.item(2, 1)->text(), QStringLiteral("20.50"));
    QCOMPARE(table.item(2, 2)->text(), QStringLiteral("21.75"));
    QVERIFY(table.item(1, 0)->toolTip().contains(QStringLiteral("4 patches")));
    QVERIFY(table.caption().contains(QStringLiteral("step 7")));
    QCOMPARE(captions.count(), 1);
    table.clearResults();
    QCOMPARE(table.rowCount(), 0);
    QCOMPARE(table.step(), -1);
  }

  void theFormShowsTheConfigurationGreysWhatDoesNotApplyAndReportsEdits() {
    DatasetSettingsForm form;
    Configuration c;
    c.merge({{"dataset", {{"folder", "pictures"}, {"patch_size", 0}, {"validation", 0.3}}},
             {"train", {{"steps", 17}}}},
            "test");
    QSignalSpy edits(&form, &DatasetSettingsForm::settingChanged);
    form.setConfiguration(c.json());
    QCOMPARE(edits.count(), 0);  // showing is not editing
    auto* steps = qobject_cast<QSpinBox*>(form.editor(QStringLiteral("train.steps")));
    auto* patch = qobject_cast<QSpinBox*>(form.editor(QStringLiteral("dataset.patch_size")));
    auto* fraction =
        qobject_cast<QDoubleSpinBox*>(form.editor(QStringLiteral("dataset.validation")));
    QVERIFY(steps && patch && fraction);
    QCOMPARE(steps->value(), 17);
    QCOMPARE(fraction->value(), 0.3);
    // Patches per image need patches; a folder has no generated count.
    QVERIFY(!form.editor(QStringLiteral("dataset.patches"))->isEnabled());
    QVERIFY(!form.editor(QStringLiteral("dataset.count"))->isEnabled());
    patch->setValue(24);
    QCOMPARE(edits.count(), 1);
    QCOMPARE(edits.last().at(0).toString(), QStringLiteral("dataset.patch_size"));
    QCOMPARE(edits.last().at(1).toInt(), 24);
    QVERIFY(form.editor(QStringLiteral("dataset.patches"))->isEnabled());

    c.set("dataset.folder=generated:shapes");
    form.setConfiguration(c.json());
    QVERIFY(form.editor(QStringLiteral("dataset.count"))->isEnabled());
    form.setLocked(true);
    QVERIFY(!steps->isEnabled());
    form.setLocked(false);
    QVERIFY(steps->isEnabled());
    auto* algorithm = qobject_cast<QComboBox*>(form.editor(QStringLiteral("train.algorithm")));
    QVERIFY(algorithm && algorithm->count() >= 2);
    QCOMPARE(algorithm->currentText(), QStringLiteral("two-loop"));
  }
};

QTEST_MAIN(DatasetWidgetsTest)
#include "tst_dataset_widgets.moc"
