#pragma once

namespace bilevel {

// Peak resident set size of this process in MiB (getrusage ru_maxrss), the figure the benchmarks
// report as peak_rss_mb.
double peakResidentMegabytes();

// Current resident set size in MiB (from /proc/self/statm); 0 where unavailable.
double currentResidentMegabytes();

}  // namespace bilevel
