using System.Buffers;
using System.Diagnostics;
using StreamHub.Hls.Fmp4;
using StreamHub.Live;
using StreamHub.Media;

namespace StreamHub.Recording;

/// <summary>The recording of one publish, on its own task: a subscription on the live stream (its bounded queue is
/// the recorder's queue, so the publisher never waits for the disk), and the frames written as fragmented MP4 through
/// the CMAF writer: the init segment, then one fragment (<c>moof</c>+<c>mdat</c>) per GOP, or per
/// <see cref="RecordingOptions.MaxFragmentSeconds"/> at most, each handed to the operating system as one write. A
/// killed process loses only the fragment being collected; the file plays up to the last fragment written.
/// <para>A file starts at a video keyframe (at the first audio frame for a stream without video); a new file starts
/// at the first keyframe after <see cref="RecordingOptions.MaxFileMinutes"/>, and when a sequence header changes (a
/// new resolution or codec). A disk that falls behind makes the subscription drop frames up to the next keyframe:
/// each such gap is counted and logged; one that stays behind ends the subscription and the recording stops
/// (<see cref="RecordingStopReason.TooSlow"/>), the live stream does not notice.</para></summary>
public sealed class StreamRecording
{
    private readonly LiveStream _stream;
    private readonly RecordingOptions _options;
    private readonly RecordingStore _store;
    private readonly long _streamLimitBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly long _maxFileMs;
    private readonly long _maxFragmentMs;
    private readonly TimeSpan _syncEvery;

    // The recording task's own.
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    // A fragment as written: its moof and mdat header (in _output), then the writer's copy of the video payloads and
    // of the audio payloads.
    private readonly List<ReadOnlyMemory<byte>> _fragment = new(3);
    private LiveSubscription? _subscription;
    private MediaFrame? _videoHeader;
    private MediaFrame? _audioHeader;
    private bool _unsupportedReported;
    private Fmp4SegmentWriter? _writer;
    private RecordingFile? _file;
    // The aligned buffer of the O_DIRECT writes, for every file of this recording.
    private readonly RecordingBuffer _directBuffer = new();
    private string? _path;
    private long _fileStartDts;
    private long _lastDts;
    private long _fragmentStartDts;
    private bool _fragmentIndependent;
    private long _fileOffset;
    private long _lastSync;
    private long _seenDropped;

    // Guarded by _gate.
    private RecordingState _state = RecordingState.Recording;
    private RecordingStopReason _stopReason;
    private string? _error;
    private long _gaps;
    private long _droppedFrames;
    private Task _run = Task.CompletedTask;

    // The file being written, as a player sees it (guarded by _gate): its whole fragments, for the rewind window.
    private readonly List<RecordingFragment> _fragments = new(256);
    private long _initLength;
    private string[] _codecs = [];

    /// <summary>How often the recorder takes what has queued up. A fragment is written at most this late, which only
    /// the rewind window sees.</summary>
    private static readonly TimeSpan DrainEvery = TimeSpan.FromMilliseconds(250);

    private readonly RecordingDisk _disk;
    private readonly RecordingCounters _counters;
    private readonly DiskWrite _write = new();

    public StreamRecording(LiveStream stream, RecordingOptions options, RecordingStore store, RecordingDisk disk, long streamLimitBytes, TimeProvider time,
        ILogger logger, RecordingCounters counters)
    {
        _counters = counters;
        _disk = disk;
        _stream = stream;
        _options = options;
        _store = store;
        _streamLimitBytes = streamLimitBytes;
        _time = time;
        _logger = logger;
        _maxFileMs = (long)(options.MaxFileMinutes * 60_000);
        _maxFragmentMs = (long)(options.MaxFragmentSeconds * 1000);
        _syncEvery = TimeSpan.FromSeconds(options.SyncSeconds);
    }

    public LiveStream Stream => _stream;

    /// <summary>Ends when the recording has stopped and its file is closed.</summary>
    public Task Completion => _run;

    public RecordingStatus Status()
    {
        lock (_gate)
        {
            return new RecordingStatus(_state, _state == RecordingState.Recording ? Path.GetFileName(_path) : null, _stopReason, _error, _gaps,
                _droppedFrames);
        }
    }

    /// <summary>The file being written as a player sees it: its whole fragments from <paramref name="fromSeconds"/> (of
    /// media time before the last one's end) on, and the index of the first of them in the file; null when no file is
    /// being written.</summary>
    public (RecordingInfo Info, int FirstIndex)? Window(double fromSeconds)
    {
        lock (_gate)
        {
            if (_path is null || _state != RecordingState.Recording || _fragments.Count == 0)
            {
                return null;
            }
            var end = _fragments[^1].Start + _fragments[^1].Duration;
            var first = _fragments.FindIndex(f => f.Start + f.Duration > end - fromSeconds);
            while (first > 0 && !_fragments[first].Independent)
            {
                first--;
            }
            var id = Path.GetFileName(_path);
            return (new RecordingInfo(id, RecordingReader.StartOf(id), _fileOffset, _initLength, _codecs, _fragments.GetRange(first, _fragments.Count - first)),
                first);
        }
    }

    /// <summary>Subscribes now, on the caller's thread (before the publisher's next frame, so a recording attached when
    /// the stream starts has its first frame), and writes on a task of its own.</summary>
    public void Start()
    {
        _subscription = _stream.Subscribe(new Live.SubscriptionOptions($"recorder {_stream.Name}", StartsGopCache: false));
        _run = Task.Run(RunAsync);
    }

    /// <summary>Stops the recording (the file written so far is closed and kept) and waits for it.</summary>
    public Task StopAsync(RecordingStopReason reason, string error)
    {
        SetStopped(reason, error, log: reason != RecordingStopReason.SwitchedOff);
        _subscription?.Leave();
        return _run;
    }

    private async Task RunAsync()
    {
        var subscription = _subscription!;
        using var pacing = new PeriodicTimer(DrainEvery, _time);
        try
        {
            while (await subscription.WaitToReadAsync())
            {
                while (subscription.TryRead(out var item))
                {
                    if (item.Frame is { } frame && !await WriteAsync(frame))
                    {
                        subscription.Leave();
                        break;
                    }
                }
                NoteGaps(subscription);
                // Frames gather in the subscription's queue meanwhile (it holds seconds): one wake-up per tick instead
                // of one per frame, which was most of what recording cost.
                await pacing.WaitForNextTickAsync();
            }
            if (subscription.End == SubscriptionEnd.FellBehind)
            {
                SetStopped(RecordingStopReason.TooSlow,
                    $"the disk took the stream slower than it is published for longer than StreamHub:Live:SubscriberMaxBehindSeconds", log: true);
            }
            await CloseFileAsync();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (DiskFull(ex))
            {
                SetStopped(RecordingStopReason.DiskFull, "the disk is full", log: true);
            }
            else
            {
                RecordingLog.WriteFailed(_logger, ex, _stream.Name);
                SetStopped(RecordingStopReason.WriteFailed, ex.Message, log: false);
            }
            await CloseFileQuietlyAsync();
        }
        catch (Exception ex)
        {
            RecordingLog.WriteFailed(_logger, ex, _stream.Name);
            SetStopped(RecordingStopReason.WriteFailed, ex.Message, log: false);
            await CloseFileQuietlyAsync();
        }
        finally
        {
            subscription.Dispose();
            _writer?.Dispose();
            _writer = null;
            _videoHeader?.Release();
            _audioHeader?.Release();
            _videoHeader = _audioHeader = null;
            lock (_gate)
            {
                if (_state == RecordingState.Recording)
                {
                    _state = RecordingState.Idle;
                }
            }
        }
    }

    /// <summary>Takes one frame (and the caller's reference to it). False: the recording has to stop.</summary>
    private async ValueTask<bool> WriteAsync(MediaFrame frame)
    {
        if (frame.FrameKind == MediaFrameKind.SequenceHeader)
        {
            ref var header = ref frame.Kind == MediaKind.Video ? ref _videoHeader : ref _audioHeader;
            var changed = header is null || !header.Payload.Span.SequenceEqual(frame.Payload.Span) || header.VideoCodec != frame.VideoCodec
                || header.AudioCodec != frame.AudioCodec;
            header?.Release();
            header = frame;
            if (changed && _writer is not null)
            {
                // A new picture size or codec: this file ends, the next starts at the next keyframe with the new headers.
                await CloseFileAsync();
            }
            return true;
        }
        if (frame.FrameKind != MediaFrameKind.Coded || frame.Payload.IsEmpty)
        {
            frame.Release();
            return true;
        }
        if (_writer is null)
        {
            if (!StartsFile(frame) || !await OpenFileAsync(frame))
            {
                frame.Release();
                return IsRecording;
            }
        }
        else
        {
            var video = _writer.Video is not null;
            var cut = video
                ? frame.Kind == MediaKind.Video && (frame.IsKeyframe || frame.Dts - _fragmentStartDts >= _maxFragmentMs)
                : frame.Dts - _fragmentStartDts >= _maxFragmentMs;
            if (cut && FragmentStarted)
            {
                var nextVideo = frame.Kind == MediaKind.Video ? frame.Dts : Fmp4SegmentWriter.NoTimestamp;
                var nextAudio = frame.Kind == MediaKind.Audio ? frame.Dts : Fmp4SegmentWriter.NoTimestamp;
                if (!await WriteFragmentAsync(nextVideo, nextAudio))
                {
                    frame.Release();
                    return false;
                }
                var splits = video ? frame.IsKeyframe : true;
                if (splits && frame.Dts - _fileStartDts >= _maxFileMs)
                {
                    await CloseFileAsync();
                    if (!await OpenFileAsync(frame))
                    {
                        frame.Release();
                        return IsRecording;
                    }
                }
            }
        }
        var first = !FragmentStarted;
        // The writer copies the payload: the frame goes back to the publisher's pool now, not a fragment later.
        if (_writer!.Add(frame))
        {
            if (first)
            {
                _fragmentStartDts = frame.Dts;
                _fragmentIndependent = _writer.Video is null || frame.Kind == MediaKind.Video && frame.IsKeyframe;
            }
            _lastDts = Math.Max(_lastDts, frame.Dts);
        }
        frame.Release();
        return true;
    }

    /// <summary>Whether the writer holds samples of a fragment not yet written.</summary>
    private bool FragmentStarted => _writer is { PendingBytes: > 0 };

    /// <summary>Whether the recording still writes (not stopped).</summary>
    public bool IsRecording
    {
        get
        {
            lock (_gate)
            {
                return _state == RecordingState.Recording;
            }
        }
    }

    /// <summary>A file starts at a video keyframe, or at any audio frame when the stream has no video header.</summary>
    private bool StartsFile(MediaFrame frame) => frame.Kind == MediaKind.Video
        ? frame.IsKeyframe && _videoHeader is not null
        : _videoHeader is null && _audioHeader is not null;

    private async ValueTask<bool> OpenFileAsync(MediaFrame first)
    {
        var video = _videoHeader is not null ? TrackOf(_videoHeader) : null;
        var audio = _audioHeader is not null ? TrackOf(_audioHeader) : null;
        if (video is null && audio is null || first.Kind == MediaKind.Video && video is null || first.Kind == MediaKind.Audio && audio is null)
        {
            return false;
        }
        if (!EnoughFreeSpace())
        {
            SetStopped(RecordingStopReason.DiskFull,
                $"less than StreamHub:Recording:MinFreeMegabytes ({_options.MinFreeMegabytes} MB) is free on the disk of {_store.Root}", log: true);
            return false;
        }
        _writer = new Fmp4SegmentWriter(video, audio, copyPayloads: true);
        _output.ResetWrittenCount();
        _writer.WriteInitSegment(_output);
        if (!_store.MakeRoom(_stream.Name, _output.WrittenCount, _streamLimitBytes))
        {
            QuotaExceeded(_output.WrittenCount);
            _writer.Dispose();
            _writer = null;
            return false;
        }
        _file = _store.CreateFile(_stream.Name, _time.GetUtcNow(), _directBuffer);
        lock (_gate)
        {
            _path = _file.Name;
        }
        var init = _write.Prepare(_file, _output.WrittenMemory, 0, sync: false);
        _disk.Enqueue(_write);
        await init;
        _store.Added(_stream.Name, _output.WrittenCount);
        _counters.Written(_output.WrittenCount, fragment: false);
        _fileOffset = _output.WrittenCount;
        lock (_gate)
        {
            _fragments.Clear();
            _initLength = _output.WrittenCount;
            _codecs = [.. new[] { video, audio }.OfType<Fmp4Track>().Select(t => RecordingReader.CodecName(t.Codec switch
            {
                Fmp4Codec.Avc => "avc1",
                Fmp4Codec.Hevc => "hvc1",
                Fmp4Codec.Av1 => "av01",
                _ => "mp4a",
            }))];
        }
        _fileStartDts = first.Dts;
        _lastDts = first.Dts;
        _lastSync = _time.GetTimestamp();
        RecordingLog.FileStarted(_logger, _stream.Name, Path.GetFileName(_file.Name));
        return true;
    }

    private Fmp4Track? TrackOf(MediaFrame header)
    {
        var width = header.Kind == MediaKind.Video ? _stream.Video?.Width ?? 0 : 0;
        var height = header.Kind == MediaKind.Video ? _stream.Video?.Height ?? 0 : 0;
        if (Fmp4Track.TryCreate(header, out var track, width, height) || Fmp4Track.TryCreate(header, out track))
        {
            return track;
        }
        if (!_unsupportedReported)
        {
            _unsupportedReported = true;
            RecordingLog.Unsupported(_logger, _stream.Name, header.Kind,
                header.Kind == MediaKind.Video ? header.VideoCodec.ToString() : header.AudioCodec.ToString());
        }
        return null;
    }

    /// <summary>Writes the queued samples as one fragment, flushed to the operating system (and to the disk every
    /// <see cref="RecordingOptions.SyncSeconds"/>). False: the size limits left no room, the recording stops.
    /// <para>One gathered write of the fragment's header and the writer's buffers of video and audio payloads (which
    /// stay untouched until it completes: the next frame is added after it).</para></summary>
    private async ValueTask<bool> WriteFragmentAsync(long nextVideoDts, long nextAudioDts)
    {
        try
        {
            _output.ResetWrittenCount();
            _fragment.Clear();
            _fragment.Add(default);
            var length = _writer!.WriteFragment(_output, _fragment, nextVideoDts, nextAudioDts);
            _fragment[0] = _output.WrittenMemory;
            if (length == 0)
            {
                return true;
            }
            if (!_store.MakeRoom(_stream.Name, length, _streamLimitBytes))
            {
                QuotaExceeded(length);
                return false;
            }
            if (!EnoughFreeSpace())
            {
                SetStopped(RecordingStopReason.DiskFull,
                    $"less than StreamHub:Recording:MinFreeMegabytes ({_options.MinFreeMegabytes} MB) is free on the disk of {_store.Root}", log: true);
                return false;
            }
            var sync = _time.GetElapsedTime(_lastSync) >= _syncEvery;
            var written = _write.Prepare(_file!, _fragment, _fileOffset, sync);
            _disk.Enqueue(_write);
            await written;
            if (sync)
            {
                _lastSync = _time.GetTimestamp();
            }
            _store.Added(_stream.Name, length);
            _counters.Written(length, fragment: true);
            var end = nextVideoDts != Fmp4SegmentWriter.NoTimestamp ? nextVideoDts : nextAudioDts != Fmp4SegmentWriter.NoTimestamp ? nextAudioDts : _lastDts;
            lock (_gate)
            {
                _fragments.Add(new RecordingFragment(_fileOffset, length, (_fragmentStartDts - _fileStartDts) / 1000.0,
                    Math.Max(0, end - _fragmentStartDts) / 1000.0, _fragmentIndependent));
            }
            _fileOffset += length;
            return true;
        }
        finally
        {
            _fragment.Clear();
        }
    }

    private void QuotaExceeded(long bytes)
    {
        var limit = _streamLimitBytes > 0 && _store.StreamBytesOf(_stream.Name) + bytes > _streamLimitBytes
            ? $"the stream's recording size limit ({_streamLimitBytes / (1024 * 1024)} MB)"
            : $"StreamHub:Recording:MaxTotalMegabytes ({_options.MaxTotalMegabytes} MB)";
        SetStopped(RecordingStopReason.QuotaExceeded, $"{limit} is reached and no older recording is left to delete", log: true);
    }

    private bool EnoughFreeSpace()
    {
        if (_options.MinFreeMegabytes <= 0)
        {
            return true;
        }
        try
        {
            Directory.CreateDirectory(_store.Root);
            return new DriveInfo(_store.Root).AvailableFreeSpace >= _options.MinFreeMegabytes * 1024 * 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return true;
        }
    }

    /// <summary>Writes what is queued as a last fragment and closes the file.</summary>
    private async ValueTask CloseFileAsync()
    {
        if (_writer is null)
        {
            return;
        }
        try
        {
            // Stopped for lack of room or a write error: nothing more is written. Switched off, or the server stopping:
            // what was collected is written, as when the stream ends.
            if (FragmentStarted && (IsRecording || Status().StopReason == RecordingStopReason.SwitchedOff))
            {
                await WriteFragmentAsync(Fmp4SegmentWriter.NoTimestamp, Fmp4SegmentWriter.NoTimestamp);
            }
        }
        finally
        {
            await CloseFileQuietlyAsync();
        }
    }

    private async ValueTask CloseFileQuietlyAsync()
    {
        lock (_gate)
        {
            _fragments.Clear();
        }
        _writer?.Dispose();
        _writer = null;
        if (_file is { } file)
        {
            _file = null;
            var length = file.Length;
            try
            {
                var closed = _write.PrepareClose(file);
                _disk.Enqueue(_write);
                await closed;
            }
            catch (IOException)
            {
            }
            finally
            {
                file.Dispose();
            }
            _store.Finished(file.Name);
            lock (_gate)
            {
                _path = null;
            }
            RecordingLog.FileFinished(_logger, _stream.Name, Path.GetFileName(file.Name), (_lastDts - _fileStartDts) / 1000.0, length);
        }
    }

    private void NoteGaps(LiveSubscription subscription)
    {
        var dropped = subscription.DroppedFrames;
        if (dropped == _seenDropped)
        {
            return;
        }
        long gaps;
        lock (_gate)
        {
            gaps = ++_gaps;
            _droppedFrames = dropped;
        }
        _counters.Gap();
        RecordingLog.Gap(_logger, _stream.Name, Path.GetFileName(_path), dropped - _seenDropped, gaps);
        _seenDropped = dropped;
    }

    private void SetStopped(RecordingStopReason reason, string error, bool log)
    {
        lock (_gate)
        {
            if (_state == RecordingState.Stopped)
            {
                return;
            }
            _state = RecordingState.Stopped;
            _stopReason = reason;
            _error = error;
        }
        _counters.Stopped(reason);
        if (log)
        {
            RecordingLog.Stopped(_logger, _stream.Name, reason, error);
        }
    }

    /// <summary>ENOSPC (Linux errno 28, surfaced as the HResult), ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL (Windows).</summary>
    private static bool DiskFull(Exception ex) => ex is IOException && (ex.HResult & 0xFFFF) is 28 or 112 or 39;
}
