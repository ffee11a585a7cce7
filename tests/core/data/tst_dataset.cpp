#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <set>

#include "common/Error.h"
#include "config/Configuration.h"
#include "data/Dataset.h"
#include "image/DeadLeaves.h"
#include "image/ImageIO.h"
#include "image/Noise.h"
#include "image/Shapes.h"

#include "../TestErrors.h"

using namespace bilevel;

namespace {

DatasetOptions generated(GeneratedImages kind, int count, int side) {
  DatasetOptions o;
  o.generated = kind;
  o.generatedCount = count;
  o.generatedSide = side;
  return o;
}

Image ramp(int rows, int cols, double offset) {
  Image image(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      image.at(r, c) = offset + 0.5 * (r + c) / double(rows + cols);
  return image;
}

}  // namespace

class TestDataset : public QObject {
  Q_OBJECT

 private slots:
  // The core's generators are what made the committed sample images (make-sample-images calls
  // them): the 16-bit files hold round(65535·v) of the same values.
  void generatorsReproduceTheSampleImages() {
    const Image leaves = readImage(sampleImageDirectory() / "dead_leaves_16.png");
    const Image shapes = readImage(sampleImageDirectory() / "shapes_16.png");
    const Image mask = readImage(sampleImageDirectory() / "shapes_mask.png");
    QCOMPARE(leaves.rows, 256);
    QVERIFY((leaves.pixels - deadLeavesImage(256).pixels).cwiseAbs().maxCoeff() <= 0.51 / 65535);
    const ShapesImage generatedShapes = shapesImage(256);
    QVERIFY((shapes.pixels - generatedShapes.image.pixels).cwiseAbs().maxCoeff() <= 0.51 / 65535);
    QVERIFY((mask.pixels - generatedShapes.mask.pixels).cwiseAbs().maxCoeff() == 0.0);
    // Other seeds give other pictures.
    QVERIFY((deadLeavesImage(64, 1).pixels - deadLeavesImage(64, 2).pixels).norm() > 1.0);
    QVERIFY((randomShapesImage(64, 1).image.pixels - randomShapesImage(64, 2).image.pixels).norm() >
            1.0);
  }

  // Everything depends only on the options: the same options give the same samples, another
  // seed other ones.
  void samplesAreSeeded() {
    for (const auto kind : {GeneratedImages::DeadLeaves, GeneratedImages::Shapes}) {
      DatasetOptions o = generated(kind, 6, 32);
      o.patchSize = 16;
      o.patchesPerImage = 3;
      const auto a = Dataset(o).samples(DatasetSplit::Training);
      const auto b = Dataset(o).samples(DatasetSplit::Training);
      QCOMPARE(a.size(), std::size_t(3 * Dataset(o).images(DatasetSplit::Training).size()));
      for (std::size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].name, b[i].name);
        QVERIFY(a[i].clean.pixels == b[i].clean.pixels);
        QVERIFY(a[i].noisy.pixels == b[i].noisy.pixels);
        QCOMPARE(a[i].clean.rows, 16);
      }
      o.seed = 2;
      const auto c = Dataset(o).samples(DatasetSplit::Training);
      QVERIFY(c.front().clean.pixels != a.front().clean.pixels);
    }
  }

  // The split is by image, disjoint, the fraction rounded with one image at least on each side,
  // and an explicit list replaces it.
  void theSplitIsDeterministicAndDisjoint() {
    DatasetOptions o = generated(GeneratedImages::DeadLeaves, 8, 16);
    const Dataset d(o);
    const auto& training = d.images(DatasetSplit::Training);
    const auto& validation = d.images(DatasetSplit::Validation);
    QCOMPARE(validation.size(), std::size_t(2));
    QCOMPARE(training.size(), std::size_t(6));
    std::set<std::size_t> all(training.begin(), training.end());
    all.insert(validation.begin(), validation.end());
    QCOMPARE(all.size(), std::size_t(8));
    QCOMPARE(Dataset(o).images(DatasetSplit::Validation), validation);
    o.validationFraction = 0.01;
    QCOMPARE(Dataset(o).images(DatasetSplit::Validation).size(), std::size_t(1));
    o.validationFraction = 0.99;
    QCOMPARE(Dataset(o).images(DatasetSplit::Training).size(), std::size_t(1));
    o.validationNames = {"dead-leaves-003", "dead-leaves-005"};
    QCOMPARE(Dataset(o).images(DatasetSplit::Validation), (std::vector<std::size_t>{3, 5}));
    o.validationNames = {"nope"};
    const Error e = test::thrownError([&] { Dataset{o}; });
    QCOMPARE(e.kind(), ErrorKind::Usage);
    QVERIFY(QString(e.what()).contains("nope"));
  }

  // A folder: NAME.png, with NAME_noisy.png as its given noisy version; patches are crops at the
  // same place in both; generated noise is Noise.h's with the sample's seed.
  void aFolderOfPairs() {
    QTemporaryDir dir;
    const std::filesystem::path folder = dir.path().toStdString();
    writeImage(ramp(24, 20, 0.1), folder / "a.png");
    writeImage(ramp(24, 20, 0.2), folder / "b.png");
    writeImage(ramp(24, 20, 0.3), folder / "b_noisy.png");
    writeImage(ramp(20, 20, 0.4), folder / "c.tif");
    { std::ofstream(folder / "notes.txt") << "not an image"; }
    DatasetOptions o;
    o.folder = folder;
    o.validationNames = {"c"};
    o.patchSize = 8;
    o.patchesPerImage = 2;
    o.sigma = 0.05;
    const Dataset d(o);
    QCOMPARE(d.imageCount(), std::size_t(3));
    QCOMPARE(d.imageName(1), std::string("b"));
    QCOMPARE(d.noisyPath(1).filename().string(), std::string("b_noisy.png"));
    QVERIFY(d.noisyPath(0).empty());
    const auto samples = d.samples(DatasetSplit::Training);
    QCOMPARE(samples.size(), std::size_t(4));
    const Image a = readImage(folder / "a.png");
    // The noisy file is read in its clean image's range (ImageIO.h, expressedInRangeOf).
    const Image bNoisy = expressedInRangeOf(readImage(folder / "b_noisy.png"), d.cleanImage(1));
    for (const DatasetSample& s : samples) {
      QVERIFY(s.row >= 0 && s.row + 8 <= 24 && s.col >= 0 && s.col + 8 <= 20);
      QCOMPARE(s.clean.at(3, 5), d.cleanImage(s.image).at(s.row + 3, s.col + 5));
      if (s.image == 1) {
        QVERIFY(std::abs(s.noisy.at(2, 1) - bNoisy.at(s.row + 2, s.col + 1)) < 1e-12);
      } else {
        QCOMPARE(s.clean.at(0, 0), a.at(s.row, s.col));
      }
    }
    // Sample p of image i has the noise stream noiseSeed + i·patches + p.
    QVERIFY(samples[1].noisy.pixels ==
            addGaussianNoise(samples[1].clean, 0.05, 1 + 0 * 2 + 1).pixels);
    QCOMPARE(d.samples(DatasetSplit::Validation).front().name.substr(0, 2), std::string("c@"));
  }

  // Bad input: an error naming the culprit, and images are decoded only when used.
  void badInputIsNamed() {
    QTemporaryDir dir;
    const std::filesystem::path folder = dir.path().toStdString();
    DatasetOptions o;
    o.folder = folder;
    o.validationFraction = 0.0;
    Error e = test::thrownError([&] { Dataset{o}; });
    QCOMPARE(e.kind(), ErrorKind::Usage);
    QVERIFY2(QString(e.what()).contains("holds no image"), e.what());
    o.folder = folder / "missing";
    QVERIFY(QString(test::thrownError([&] { Dataset{o}; }).what()).contains("missing"));
    o.folder = folder;

    writeImage(ramp(16, 16, 0.1), folder / "good.png");
    { std::ofstream(folder / "broken.png") << "PNG? no"; }
    const Dataset lazy(o);  // listing decodes nothing
    QCOMPARE(lazy.imageCount(), std::size_t(2));
    e = test::thrownError([&] { lazy.samples(DatasetSplit::Training); });
    QCOMPARE(e.kind(), ErrorKind::UnreadableInput);
    QVERIFY2(QString(e.what()).contains("broken.png"), e.what());
    std::filesystem::remove(folder / "broken.png");

    o.patchSize = 32;
    e = test::thrownError([&] { Dataset(o).samples(DatasetSplit::Training); });
    QCOMPARE(e.kind(), ErrorKind::Usage);
    QVERIFY2(QString(e.what()).contains("good.png") && QString(e.what()).contains("patch_size"),
             e.what());
    o.patchSize = 0;

    writeImage(ramp(16, 16, 0.1), folder / "orphan_noisy.png");
    e = test::thrownError([&] { Dataset{o}; });
    QVERIFY2(QString(e.what()).contains("orphan_noisy.png"), e.what());
    std::filesystem::remove(folder / "orphan_noisy.png");

    writeImage(ramp(12, 16, 0.1), folder / "good_noisy.png");
    e = test::thrownError([&] { Dataset(o).samples(DatasetSplit::Training); });
    QVERIFY2(QString(e.what()).contains("good_noisy.png"), e.what());
  }

  // dataset.* keys: read, validated, and unknown ones refused as every key is.
  void theConfigurationKeys() {
    QTemporaryDir dir;
    Configuration config;
    config.set("dataset.folder=generated:shapes");
    config.set("dataset.count=5");
    config.set("dataset.size=24");
    config.set("dataset.patch_size=12");
    config.set("dataset.patches=2");
    config.set("dataset.validation_images=[\"shapes-001\"]");
    const DatasetOptions o = DatasetOptions::fromConfiguration(config);
    QVERIFY(o.generated == GeneratedImages::Shapes);
    QCOMPARE(o.generatedCount, 5);
    QCOMPARE(Dataset(o).samples(DatasetSplit::Validation).size(), std::size_t(2));
    Error e = test::thrownError([&] { config.set("dataset.folders=x"); });
    QVERIFY2(QString(e.what()).contains("dataset.folders"), e.what());
    e = test::thrownError([&] { config.set("dataset.patches=0"); });
    QVERIFY2(QString(e.what()).contains("dataset.patches"), e.what());
    config.set("dataset.folder=generated:clouds");
    e = test::thrownError([&] { DatasetOptions::fromConfiguration(config); });
    QVERIFY2(QString(e.what()).contains("generated:clouds"), e.what());
    config.set("dataset.folder=\"\"");
    e = test::thrownError([&] { DatasetOptions::fromConfiguration(config); });
    QVERIFY2(QString(e.what()).contains("dataset.folder"), e.what());
  }

  // The generators are listed once (the studio's menu reads the list): each one's folder value
  // asks for its kind, and the refusal of an unknown name offers every one of them.
  void everyListedGeneratorOpens() {
    const std::vector<ImageGenerator>& generators = imageGenerators();
    QCOMPARE(generators.size(), std::size_t(2));  // every GeneratedImages value
    Configuration config;
    config.set("dataset.folder=generated:clouds");
    const Error unknown = test::thrownError([&] { DatasetOptions::fromConfiguration(config); });
    std::set<std::string> names;
    for (const ImageGenerator& generator : generators) {
      QVERIFY(names.insert(generator.name).second);
      QCOMPARE(generator.name, toString(generator.kind));
      QVERIFY(!generator.title.empty() && !generator.description.empty());
      const std::string folder = generatedFolder(generator.kind);
      QVERIFY(isGeneratedFolder(folder));
      config.set("dataset.folder=" + folder);
      const DatasetOptions o = DatasetOptions::fromConfiguration(config);
      QVERIFY(o.generated == generator.kind);
      QVERIFY(Dataset(o).describe().find(generator.name) != std::string::npos);
      QVERIFY2(std::string(unknown.what()).find(folder) != std::string::npos, unknown.what());
    }
    QVERIFY(!isGeneratedFolder("generated"));
    QVERIFY(!isGeneratedFolder("/data/generated:x"));
  }
};

QTEST_APPLESS_MAIN(TestDataset)
#include "tst_dataset.moc"
