// Fuzz target: studio session files (core/learning/SessionFile readSessionFile) and what the
// studio does with one it reopens: a learning session from its configuration, started from its
// parameters, and the history table built from its rows.
#include "FuzzInput.h"
#include "image/BenchmarkImage.h"
#include "image/Noise.h"
#include "learning/LearningRecords.h"
#include "learning/LearningSession.h"
#include "learning/ModelFactory.h"
#include "learning/SessionFile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static bilevel::fuzz::MemoryFile file("fuzz-session");
  const std::filesystem::path& path = file.write(data, size);
  bilevel::fuzz::expectOnlyErrors([&] {
    const bilevel::SessionRecord record = bilevel::readSessionFile(path);
    // The session's images are files the fuzzer does not make; an 8×8 generated pair stands in,
    // so the configuration, parameters and history meet the same code as in the studio.
    bilevel::TrainingPair pair;
    pair.name = "benchmark-8";
    pair.clean = bilevel::benchmarkImage(8);
    pair.noisy = bilevel::addGaussianNoise(pair.clean, 0.1, 1);
    bilevel::LearningSession session({pair}, record.configuration);
    (void)bilevel::historyCsv(session.model().parameterLayout(), record.history);
    (void)bilevel::parametersJson(session.model().parameterLayout(), session.parameters());
    session.setInitialParameters(record.parameters);
    (void)bilevel::parametersJson(session.model().parameterLayout(), session.parameters());
  });
  return 0;
}
