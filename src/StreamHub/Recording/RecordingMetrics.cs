using System.Diagnostics.Metrics;

namespace StreamHub.Recording;

/// <summary>The recorder's series on /metrics, read at scrape time from its counters and the store (nothing per
/// frame). Server-wide: a per-stream series would restart with every publish.</summary>
public static class RecordingMetrics
{
    private static readonly RecordingStopReason[] Reasons = Enum.GetValues<RecordingStopReason>().Where(r => r != RecordingStopReason.None).ToArray();

    public static void Register(Meter meter, Recorder recorder, RecordingCounters counters, RecordingStore store)
    {
        meter.CreateObservableGauge("streamhub_recordings_active", () => recorder.ActiveCount, null, "Streams being recorded now.");
        meter.CreateObservableCounter("streamhub_recording_written_bytes_total", () => counters.Bytes, "By",
            "Bytes written to recording files (init segments and fragments), all streams.");
        meter.CreateObservableCounter("streamhub_recording_fragments_total", () => counters.Fragments, null,
            "Fragments (moof + mdat) written to recording files, all streams.");
        meter.CreateObservableCounter("streamhub_recording_gaps_total", () => counters.Gaps, null,
            "Times a recording fell behind the stream and left frames out up to the next keyframe, all streams.");
        meter.CreateObservableCounter("streamhub_recording_stops_total", () => Reasons.Select(r =>
            new Measurement<long>(counters.Stops(r), new KeyValuePair<string, object?>("reason", ReasonName(r)))), null,
            "Recordings stopped before their stream ended, by reason (quota_exceeded, disk_full, too_slow, write_failed, switched_off).");
        meter.CreateObservableGauge("streamhub_recording_disk_bytes", () => store.TotalBytes, "By", "Bytes the recordings take on disk, all streams.");
    }

    private static string ReasonName(RecordingStopReason reason) => reason switch
    {
        RecordingStopReason.QuotaExceeded => "quota_exceeded",
        RecordingStopReason.DiskFull => "disk_full",
        RecordingStopReason.TooSlow => "too_slow",
        RecordingStopReason.WriteFailed => "write_failed",
        RecordingStopReason.SwitchedOff => "switched_off",
        _ => "none",
    };
}
