using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using StreamHub.Hosting;
using StreamHub.StreamKeys;

namespace StreamHub.Recording;

/// <summary>The recordings on disk: <c>{Directory}/{name}/{name}-{UTC start yyyyMMdd-HHmmss}.mp4</c>, one file per
/// publish (or per part of a long one). Keeps running totals of the bytes on disk, per stream and overall, so the
/// size limits are checked per fragment without listing folders, and deletes the oldest finished recordings to make
/// room. A file being written is never deleted.</summary>
public sealed partial class RecordingStore
{
    private readonly ConcurrentDictionary<string, StreamBytes> _streams = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _writing = new(StringComparer.Ordinal);
    private readonly Lock _deleting = new();
    private readonly ConcurrentDictionary<string, ((long, DateTime) Stamp, RecordingInfo Info)> _infos = new(StringComparer.Ordinal);
    private readonly RecordingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RecordingStore> _logger;
    private long _totalBytes;
    private int _scanned;
    private int _directIoRefused;

    public RecordingStore(IOptions<RecordingOptions> options, IOptions<ServerOptions> server, TimeProvider time, ILogger<RecordingStore> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        Root = _options.ResolveDirectory(server.Value);
    }

    /// <summary>The folder holding one folder per stream.</summary>
    public string Root { get; }

    public long TotalBytes
    {
        get
        {
            EnsureScanned();
            return Interlocked.Read(ref _totalBytes);
        }
    }

    public long StreamBytesOf(string streamName)
    {
        EnsureScanned();
        return _streams.TryGetValue(streamName, out var bytes) ? Interlocked.Read(ref bytes.Value) : 0;
    }

    /// <summary>A recording id is its file name; only names of this shape are served or deleted, so an id can never
    /// reach outside the stream's folder.</summary>
    public static bool IsRecordingId(string streamName, string id) =>
        id.Length > streamName.Length + 1 && id.StartsWith(streamName + "-", StringComparison.Ordinal)
        && RecordingSuffix().IsMatch(id.AsSpan(streamName.Length + 1)) && StreamName.IsValid(streamName);

    [GeneratedRegex(@"^\d{8}-\d{6}(-\d{1,4})?\.mp4$", RegexOptions.CultureInvariant)]
    private static partial Regex RecordingSuffix();

    public string StreamDirectory(string streamName) => Path.Combine(Root, streamName);

    /// <summary>The path of a recording, or null when the id is not one of the stream's.</summary>
    public string? PathOf(string streamName, string id) => IsRecordingId(streamName, id) ? Path.Combine(StreamDirectory(streamName), id) : null;

    /// <summary>A new file for a recording starting now, created (empty) so no other recording takes its name; written
    /// with O_DIRECT from <paramref name="buffer"/> when <see cref="RecordingOptions.DirectIo"/> is on and the
    /// filesystem takes it.</summary>
    public RecordingFile CreateFile(string streamName, DateTimeOffset start, RecordingBuffer? buffer = null)
    {
        EnsureScanned();
        var directory = StreamDirectory(streamName);
        Directory.CreateDirectory(directory);
        var stem = $"{streamName}-{start.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        for (var attempt = 1; ; attempt++)
        {
            var path = Path.Combine(directory, attempt == 1 ? stem + ".mp4" : $"{stem}-{attempt}.mp4");
            try
            {
                // Written with positioned writes on the disk threads (RecordingDisk), one write per fragment.
                var file = RecordingFile.CreateNew(path, _options.DirectIo ? buffer : null, out var refused);
                if (refused is not null && Interlocked.Exchange(ref _directIoRefused, 1) == 0)
                {
                    RecordingLog.DirectIoRefused(_logger, directory, refused);
                }
                _writing[path] = 0;
                return file;
            }
            catch (IOException) when (File.Exists(path) && attempt < 1000)
            {
            }
        }
    }

    /// <summary>The file is closed: it may be deleted from now on.</summary>
    public void Finished(string path) => _writing.TryRemove(path, out _);

    public bool IsWriting(string path) => _writing.ContainsKey(path);

    /// <summary>Counts bytes written to one of the stream's files.</summary>
    public void Added(string streamName, long bytes)
    {
        Interlocked.Add(ref Counter(streamName).Value, bytes);
        Interlocked.Add(ref _totalBytes, bytes);
    }

    /// <summary>The stream's recording files, oldest first (the start time is in the name).</summary>
    public IReadOnlyList<FileInfo> Files(string streamName)
    {
        var directory = new DirectoryInfo(StreamDirectory(streamName));
        if (!directory.Exists)
        {
            return [];
        }
        return directory.EnumerateFiles(streamName + "-*.mp4")
            .Where(f => IsRecordingId(streamName, f.Name))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Deletes one finished recording; false when it does not exist or is being written.</summary>
    public bool Delete(string streamName, string id, string why)
    {
        var path = PathOf(streamName, id);
        if (path is null || IsWriting(path))
        {
            return false;
        }
        lock (_deleting)
        {
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                return false;
            }
            var length = file.Length;
            file.Delete();
            _infos.TryRemove(path, out _);
            Interlocked.Add(ref Counter(streamName).Value, -length);
            Interlocked.Add(ref _totalBytes, -length);
        }
        RecordingLog.Deleted(_logger, streamName, id, why);
        return true;
    }

    /// <summary>Makes room for <paramref name="bytes"/> more of <paramref name="streamName"/>: deletes the stream's oldest
    /// finished recordings while it would go over its limit, then the oldest of all streams while the total would go
    /// over the server's. False when the limits cannot be kept (only files being written are left).</summary>
    public bool MakeRoom(string streamName, long bytes, long streamLimit)
    {
        EnsureScanned();
        var totalLimit = _options.MaxTotalMegabytes * 1024 * 1024;
        if ((streamLimit <= 0 || StreamBytesOf(streamName) + bytes <= streamLimit) && (totalLimit <= 0 || TotalBytes + bytes <= totalLimit))
        {
            return true;
        }
        lock (_deleting)
        {
            if (streamLimit > 0)
            {
                foreach (var file in Files(streamName))
                {
                    if (StreamBytesOf(streamName) + bytes <= streamLimit)
                    {
                        break;
                    }
                    DeleteFinished(streamName, file, "the stream's size limit needs the room");
                }
                if (StreamBytesOf(streamName) + bytes > streamLimit)
                {
                    return false;
                }
            }
            if (totalLimit > 0 && TotalBytes + bytes > totalLimit)
            {
                foreach (var (stream, file) in AllFilesOldestFirst())
                {
                    if (TotalBytes + bytes <= totalLimit)
                    {
                        break;
                    }
                    DeleteFinished(stream, file, "StreamHub:Recording:MaxTotalMegabytes needs the room");
                }
                return TotalBytes + bytes <= totalLimit;
            }
            return true;
        }
    }

    /// <summary>Deletes finished recordings last written more than StreamHub:Recording:MaxAgeHours ago.</summary>
    public int DeleteExpired()
    {
        if (_options.MaxAgeHours <= 0)
        {
            return 0;
        }
        EnsureScanned();
        var cutoff = _time.GetUtcNow() - TimeSpan.FromHours(_options.MaxAgeHours);
        var deleted = 0;
        lock (_deleting)
        {
            foreach (var (stream, file) in AllFilesOldestFirst())
            {
                if (file.LastWriteTimeUtc < cutoff.UtcDateTime && DeleteFinished(stream, file, "older than StreamHub:Recording:MaxAgeHours"))
                {
                    deleted++;
                }
            }
        }
        return deleted;
    }

    /// <summary>Every finished recording of every stream, oldest start first (the stamp after the stream's name).</summary>
    private IEnumerable<(string Stream, FileInfo File)> AllFilesOldestFirst()
    {
        var root = new DirectoryInfo(Root);
        if (!root.Exists)
        {
            return [];
        }
        return root.EnumerateDirectories()
            .SelectMany(d => Files(d.Name).Select(f => (Stream: d.Name, File: f)))
            .OrderBy(x => x.File.Name.AsSpan(x.Stream.Length + 1).ToString(), StringComparer.Ordinal)
            .ToList();
    }

    private bool DeleteFinished(string streamName, FileInfo file, string why)
    {
        if (IsWriting(file.FullName))
        {
            return false;
        }
        try
        {
            return Delete(streamName, file.Name, why);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>What the file holds, read from its boxes; a finished file's is kept until it changes.</summary>
    public RecordingInfo Info(string path)
    {
        var file = new FileInfo(path);
        var stamp = (file.Length, file.LastWriteTimeUtc);
        if (_infos.TryGetValue(path, out var cached) && cached.Stamp == stamp)
        {
            return cached.Info;
        }
        var info = RecordingReader.Read(path);
        if (!IsWriting(path))
        {
            _infos[path] = (stamp, info);
        }
        return info;
    }

    private StreamBytes Counter(string streamName) => _streams.GetOrAdd(streamName, static _ => new StreamBytes());

    /// <summary>The totals start from what is on disk, counted once.</summary>
    private void EnsureScanned()
    {
        if (Volatile.Read(ref _scanned) != 0)
        {
            return;
        }
        lock (_deleting)
        {
            if (_scanned != 0)
            {
                return;
            }
            var root = new DirectoryInfo(Root);
            if (root.Exists)
            {
                foreach (var directory in root.EnumerateDirectories())
                {
                    var bytes = Files(directory.Name).Sum(f => f.Length);
                    Interlocked.Add(ref Counter(directory.Name).Value, bytes);
                    Interlocked.Add(ref _totalBytes, bytes);
                }
            }
            Volatile.Write(ref _scanned, 1);
        }
    }

    private sealed class StreamBytes
    {
        public long Value;
    }
}
