namespace StreamHub.Hosting;

/// <summary>Calls back when the certificate or key files may have changed: on a file-system event in the directory of
/// each file and of every symbolic link on the way to its target (certbot's <c>live/HOST/fullchain.pem</c> is a link
/// into <c>archive/HOST/</c>, and a renewal swaps the link), once the events have been quiet for
/// <see cref="QuietPeriod"/> so a pair being written is read whole; and every <see cref="PollInterval"/> whatever
/// happened, for file systems that send no events (network mounts, some container bind mounts).</summary>
internal sealed partial class CertificateFileWatcher : IDisposable
{
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);

    /// <summary>Linux follows at most 40 symbolic links when it resolves a path; a longer chain is a loop.</summary>
    private const int MaxLinkHops = 40;

    private readonly IReadOnlyList<string> _files;
    private readonly Action _check;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly ITimer _quiet;
    private readonly ITimer _poll;
    private HashSet<string> _names = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <param name="check">Reads the files and swaps the certificate if they changed; called from a timer thread,
    /// never twice at once.</param>
    public CertificateFileWatcher(IReadOnlyList<string> files, Action check, TimeProvider time, ILogger logger)
    {
        _files = files;
        _check = check;
        _logger = logger;
        _quiet = time.CreateTimer(_ => Check(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _poll = time.CreateTimer(_ => Check(), null, PollInterval, PollInterval);
        Refresh();
    }

    /// <summary>Every file on the way from <paramref name="path"/> to the file it finally names: the path itself, then
    /// each symbolic link's target in turn (relative targets resolved against the link's directory).</summary>
    public static IReadOnlyList<string> PathsToTarget(string path)
    {
        var paths = new List<string>();
        var current = Path.GetFullPath(path);
        for (var hop = 0; hop <= MaxLinkHops; hop++)
        {
            paths.Add(current);
            string? target;
            try
            {
                target = new FileInfo(current).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                break;
            }
            if (target is null)
            {
                break;
            }
            current = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, target));
        }
        return paths;
    }

    private void Check()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _check();
        }
        // A renewal may have pointed a link somewhere new: watch where the files are now.
        Refresh();
    }

    private void Refresh()
    {
        var paths = _files.SelectMany(PathsToTarget).ToList();
        var directories = paths.Select(p => Path.GetDirectoryName(p)!).ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _names = paths.Select(Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _watchers.Keys.Where(d => !directories.Contains(d)).ToList())
            {
                _watchers.Remove(gone, out var watcher);
                watcher!.Dispose();
            }
            foreach (var directory in directories.Where(d => !_watchers.ContainsKey(d)))
            {
                if (Watch(directory) is { } watcher)
                {
                    _watchers.Add(directory, watcher);
                }
            }
        }
    }

    private FileSystemWatcher? Watch(string directory)
    {
        try
        {
            var watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            watcher.Changed += OnEvent;
            watcher.Created += OnEvent;
            watcher.Deleted += OnEvent;
            watcher.Renamed += OnEvent;
            watcher.Error += (_, e) => LogWatchFailed(_logger, directory, e.GetException().Message, (int)PollInterval.TotalSeconds);
            watcher.EnableRaisingEvents = true;
            LogWatching(_logger, directory);
            return watcher;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            LogWatchFailed(_logger, directory, ex.Message, (int)PollInterval.TotalSeconds);
            return null;
        }
    }

    private void OnEvent(object sender, FileSystemEventArgs e)
    {
        // Only the files on the way to the certificate and key count: the directory may be busy with others.
        var relevant = e.Name is { } name && _names.Contains(name)
            || e is RenamedEventArgs { OldName: { } oldName } && _names.Contains(oldName);
        if (relevant)
        {
            _quiet.Change(QuietPeriod, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var watcher in _watchers.Values)
            {
                watcher.Dispose();
            }
            _watchers.Clear();
        }
        _quiet.Dispose();
        _poll.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watching {Directory} for certificate changes")]
    private static partial void LogWatching(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot watch {Directory} for certificate changes ({Reason}); the certificate files are still checked every {Seconds} s")]
    private static partial void LogWatchFailed(ILogger logger, string directory, string reason, int seconds);
}
