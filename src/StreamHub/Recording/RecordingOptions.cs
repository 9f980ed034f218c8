using System.ComponentModel.DataAnnotations;
using StreamHub.Hosting;

namespace StreamHub.Recording;

/// <summary>Recording of live streams to fragmented MP4 files (section <c>StreamHub:Recording</c>).</summary>
public sealed class RecordingOptions : IValidatableObject
{
    public const string Section = "StreamHub:Recording";

    /// <summary>Record every stream; a stream's own setting (API, dashboard) overrides this either way.</summary>
    public bool Enabled { get; set; }

    /// <summary>Where recordings go, one folder per stream. Empty: <c>{DataDirectory}/recordings</c>.</summary>
    public string Directory { get; set; } = "";

    /// <summary>A recording is split into a new file at the first keyframe after this much media time.</summary>
    [Range(1.0, 1440.0, ErrorMessage = "StreamHub:Recording:MaxFileMinutes must be between 1 and 1440 minutes.")]
    public double MaxFileMinutes { get; set; } = 60;

    /// <summary>The longest fragment: a fragment is written at each video keyframe, and at the latest after this
    /// much media time (long GOPs, audio-only streams). A crash loses at most the fragment being collected.</summary>
    [Range(0.5, 10.0, ErrorMessage = "StreamHub:Recording:MaxFragmentSeconds must be between 0.5 and 10 seconds.")]
    public double MaxFragmentSeconds { get; set; } = 2;

    /// <summary>Every fragment goes to the operating system as it is written (a killed process loses nothing of it);
    /// this often the file is also forced to the disk (fsync), which is what a power cut needs. 0: after every fragment.</summary>
    [Range(0.0, 300.0, ErrorMessage = "StreamHub:Recording:SyncSeconds must be between 0 and 300 seconds.")]
    public double SyncSeconds { get; set; } = 5;

    /// <summary>Threads that run the recordings: each drains its recordings' queues, builds their fragments and writes
    /// them to disk (dedicated, so a slow disk never blocks the thread pool that serves the live streams).</summary>
    [Range(1, 16, ErrorMessage = "StreamHub:Recording:WriterThreads must be between 1 and 16.")]
    public int WriterThreads { get; set; } = 2;

    /// <summary>Write the recordings with O_DIRECT (Linux), around the page cache: copying into it cost most of what
    /// recording did. Where the filesystem refuses it (tmpfs of old kernels, some network filesystems) the recordings
    /// are written through the page cache, said once in the log.</summary>
    public bool DirectIo { get; set; } = true;

    /// <summary>Recordings older than this (by their end) are deleted. 0 keeps them until the size limits need the room.</summary>
    [Range(0.0, 24.0 * 3650, ErrorMessage = "StreamHub:Recording:MaxAgeHours must be between 0 and 87600 hours.")]
    public double MaxAgeHours { get; set; }

    /// <summary>Most megabytes all recordings may take together; the oldest finished recordings are deleted to make
    /// room, and a recording that cannot get room stops. 0: no limit.</summary>
    [Range(0L, long.MaxValue / (1024 * 1024), ErrorMessage = "StreamHub:Recording:MaxTotalMegabytes must not be negative.")]
    public long MaxTotalMegabytes { get; set; }

    /// <summary>Most megabytes one stream's recordings may take, unless the stream has its own limit. 0: no limit.</summary>
    [Range(0L, long.MaxValue / (1024 * 1024), ErrorMessage = "StreamHub:Recording:MaxStreamMegabytes must not be negative.")]
    public long MaxStreamMegabytes { get; set; }

    /// <summary>Recording stops when the disk holding the recordings has less free space than this.</summary>
    [Range(0L, long.MaxValue / (1024 * 1024), ErrorMessage = "StreamHub:Recording:MinFreeMegabytes must not be negative.")]
    public long MinFreeMegabytes { get; set; } = 512;

    /// <summary>Minutes of each recorded live stream a viewer can seek back in (<c>/hls/{name}/rewind.m3u8</c>), served
    /// from the recording being written. 0: no rewind playlist.</summary>
    [Range(0.0, 1440.0, ErrorMessage = "StreamHub:Recording:RewindMinutes must be between 0 and 1440 minutes.")]
    public double RewindMinutes { get; set; }

    /// <summary>The longest validity of a signed download link.</summary>
    [Range(60, 366 * 24 * 3600, ErrorMessage = "StreamHub:Recording:MaxLinkSeconds must be between 60 and 31622400 seconds.")]
    public int MaxLinkSeconds { get; set; } = 7 * 24 * 3600;

    public string ResolveDirectory(ServerOptions server) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(Directory) ? Path.Combine(server.ResolveDataDirectory(), "recordings") : Directory);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(Directory) && Directory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            yield return new ValidationResult("StreamHub:Recording:Directory is not a valid path.", [nameof(Directory)]);
        }
    }
}
