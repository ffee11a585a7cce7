#pragma once

#include <QObject>
#include <QString>
#include <memory>
#include <optional>
#include <vector>

#include "CoreTypes.h"

namespace bilevel {
struct LearnedModel;
struct SessionRecord;
}  // namespace bilevel

namespace bilevel::studio {

class CoreWorker;
class FileActions;
class MainWindow;
class OrphanedSession;
class StudioDocument;

// Brings documents to the worker and the worker's images to the document. An open (image, pair,
// preset, session, File > New, a restored autosave) is pending until the worker has read its
// images, and only then committed to the document as one undoable step: a failed open changes
// nothing. After an edit, undo or redo it gives the worker what differs from what it has: other
// images or noise are read again, another model, solver or method is rebuilt, λ or θ alone only
// start a fresh learning session. The window's public slots of the same names forward here.
class DocumentLoader : public QObject {
  Q_OBJECT

 public:
  DocumentLoader(MainWindow* window, StudioDocument* document, CoreWorker* worker,
                 FileActions* files);

  // The model's parameter layout, once the worker has built the model.
  const std::optional<ParameterLayout>& parameterLayout() const { return layout_; }

  // Each false (with the window's error dialog, or a status-bar note while the window is busy)
  // when the open does not start.
  bool applyConfiguration(const Configuration& configuration);
  bool loadPreset(const QString& name);
  bool newDocument();
  void setPresetName(const QString& name);
  bool openImage(const QString& path);
  bool openImagePair(const QString& cleanPath, const QString& noisyPath);
  bool openSession(const QString& path);
  // A learned model file (bilevel-cli train's model.json) on the open images: its model and
  // solver replace the configuration's and its θ is what the next preview and Learn start from,
  // as one undoable edit (a new history segment after learning). False with the error dialog when
  // the file cannot be read or is not a learned model.
  bool applyLearnedModel(const QString& path);
  // The same for a learned model already read (the dataset mode's); `name` says where it came
  // from in the undo step ("apply learned model <name>").
  bool applyLearned(const LearnedModel& learned, const QString& name);
  bool restoreRecovered(std::shared_ptr<OrphanedSession> orphan, SessionRecord session);

  // The worker could not read the images: the pending open is dropped (the document, the panel
  // and the worker keep what they had) and loadAbandoned() is emitted. Returns `message` with,
  // for a restored autosave, where its session was kept aside.
  QString loadFailed(const QString& message);

  // What updateWorker() asked of the worker.
  enum class WorkerUpdate { Reload, Reconfigure, NewSession, Unchanged };
  // The document's settings changed: the worker reloads, is reconfigured or starts a new learning
  // session, by what differs from the configuration it was last given; nothing when only the
  // dataset mode's settings (dataset.*, train.*) changed, which the single image does not read.
  WorkerUpdate updateWorker();

 signals:
  // The worker reads images (an open, or an edit of the images or the noise).
  void loadingStarted();
  // The images are read; `pairCount` pairs in all. imagesRead comes before the document has them,
  // opened after (and after the open, if any, is committed; `recovered` for a restored autosave).
  void imagesRead(const bilevel::TrainingPair& pair);
  void opened(const bilevel::TrainingPair& pair, int pairCount, bool recovered);
  // A pending open failed; the document is unchanged.
  void loadAbandoned();

 private:
  // What an open will show once the worker has read its images.
  struct PendingDocument {
    Configuration configuration;
    std::vector<Snapshot> history = {};
    std::vector<int> segmentStarts = {};
    Vector parameters = {};
    QString sessionPath = {};
    QString recentFile = {};
    std::optional<QString> presetName = {};  // unset: keep the preset shown; "" shows "custom"
    std::shared_ptr<OrphanedSession> recovered = {};  // set when restoring an autosave
  };
  bool beginLoading(PendingDocument document);
  // The learned model's model and solver into the configuration, its θ the start: one edit.
  // Throws Error(Usage) naming `source` when the model is unknown here.
  void commitLearned(const LearnedModel& learned, const QString& name, const std::string& source);
  void onLoaded(const bilevel::Configuration& configuration, const bilevel::TrainingPair& pair,
                int pairCount);

  MainWindow* window_;
  StudioDocument* document_;
  CoreWorker* worker_;
  FileActions* files_;
  std::optional<PendingDocument> pending_;
  std::optional<ParameterLayout> layout_;
  // The configuration the worker was last given.
  std::optional<Configuration> workerConfiguration_;
  bool reloadNext_ = false;  // a preset: read the images again even if their settings match
};

}  // namespace bilevel::studio
