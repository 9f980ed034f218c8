using System.Buffers;
using System.Diagnostics;
using StreamHub.Hls.Fmp4;
using StreamHub.Live;
using StreamHub.Media;

namespace StreamHub.Recording;

/// <summary>The recording of one publish, run by one of the <see cref="RecordingDisk"/> threads: a subscription on the
/// live stream (its bounded queue is the recorder's queue, so the publisher never waits for the disk), which the thread
/// drains every <see cref="RecordingDisk.DrainEvery"/>, and the frames written as fragmented MP4 through
/// the CMAF writer: the init segment, then one fragment (<c>moof</c>+<c>mdat</c>) per GOP, or per
/// <see cref="RecordingOptions.MaxFragmentSeconds"/> at most, each handed to the operating system as one write. A
/// killed process loses only the fragment being collected; the file plays up to the last fragment written.
/// <para>A file starts at a video keyframe (at the first audio frame for a stream without video); a new file starts
/// at the first keyframe after <see cref="RecordingOptions.MaxFileMinutes"/>, and when a sequence header changes (a
/// new resolution or codec). A disk that falls behind makes the subscription drop frames up to the next keyframe:
/// each such gap is counted and logged; one that stays behind ends the subscription and the recording stops
/// (<see cref="RecordingStopReason.TooSlow"/>), the live stream does not notice.</para></summary>
public sealed class StreamRecording : IPumpedRecording
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

    // The disk thread's own.
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    // The writer's audio payloads of a fragment (its video payloads are in _assembly already).
    private readonly List<ReadOnlyMemory<byte>> _fragment = new(3);
    private LiveSubscription? _subscription;
    private MediaFrame? _videoHeader;
    private MediaFrame? _audioHeader;
    private bool _unsupportedReported;
    private Fmp4SegmentWriter? _writer;
    private RecordingFile? _file;
    // The aligned buffer of the O_DIRECT writes, for every file of this recording, and the fragment being assembled in it.
    private readonly RecordingBuffer _directBuffer = new();
    private readonly RecordingFragmentBuffer _assembly;
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
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RecordingDiskThread? _thread;

    // The file being written, as a player sees it (guarded by _gate): its whole fragments, for the rewind window.
    private readonly List<RecordingFragment> _fragments = new(256);
    private long _initLength;
    private string[] _codecs = [];

    private readonly RecordingDisk _disk;
    private readonly RecordingCounters _counters;

    public StreamRecording(LiveStream stream, RecordingOptions options, RecordingStore store, RecordingDisk disk, long streamLimitBytes, TimeProvider time,
        ILogger logger, RecordingCounters counters)
    {
        _counters = counters;
        _assembly = new RecordingFragmentBuffer(_directBuffer);
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
    public Task Completion => _subscription is null ? Task.CompletedTask : _closed.Task;

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
    /// the stream starts has its first frame), and hands the recording to a disk thread.</summary>
    public void Start()
    {
        _subscription = _stream.Subscribe(new Live.SubscriptionOptions($"recorder {_stream.Name}", StartsGopCache: false));
        _thread = _disk.Add(this);
        if (_thread is null)
        {
            // The disk threads have stopped (the server is shutting down).
            Pump(stopping: true);
        }
    }

    /// <summary>Stops the recording (the file written so far is closed and kept, on the disk thread) and returns a task
    /// that completes once the file is closed.</summary>
    public Task StopAsync(RecordingStopReason reason, string error)
    {
        SetStopped(reason, error, log: reason != RecordingStopReason.SwitchedOff);
        _subscription?.Leave();
        _thread?.Wake();
        return Completion;
    }

    /// <summary>The subscription's wake-ups of a waiting reader: none, the disk thread takes the queue on its own
    /// schedule.</summary>
    internal long WakeUps => _subscription?.WakeUps ?? 0;

    /// <summary>On the disk thread, every <see cref="RecordingDisk.DrainEvery"/>: takes what the subscription has
    /// queued (frames gather there meanwhile: one pass per period instead of a wake-up per frame) and writes the
    /// fragments it completes. False once the recording has ended and its file is closed.</summary>
    bool IPumpedRecording.Pump(bool stopping) => Pump(stopping);

    private bool Pump(bool stopping)
    {
        var subscription = _subscription!;
        if (stopping)
        {
            SetStopped(RecordingStopReason.SwitchedOff, "the server is stopping", log: false);
            subscription.Leave();
        }
        try
        {
            if (Drain(subscription))
            {
                return true;
            }
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
            CloseFileQuietly();
        }
        catch (Exception ex)
        {
            RecordingLog.WriteFailed(_logger, ex, _stream.Name);
            SetStopped(RecordingStopReason.WriteFailed, ex.Message, log: false);
            CloseFileQuietly();
        }
        Finish(subscription);
        return false;
    }

    /// <summary>Takes the queue and writes what is due; false once the subscription has ended (the file then closed).</summary>
    private bool Drain(LiveSubscription subscription)
    {
        // Read before the queue is taken: once the publish has ended, everything it queued is visible, so an end
        // seen here leaves nothing unread after the loop.
        var end = subscription.End;
        while (subscription.TryRead(out var item))
        {
            if (item.Frame is { } frame && !Write(frame))
            {
                subscription.Leave();
                end = subscription.End;
                break;
            }
        }
        NoteGaps(subscription);
        if (end == SubscriptionEnd.None)
        {
            return true;
        }
        if (end == SubscriptionEnd.FellBehind)
        {
            SetStopped(RecordingStopReason.TooSlow,
                $"the disk took the stream slower than it is published for longer than StreamHub:Live:SubscriberMaxBehindSeconds", log: true);
        }
        CloseFile();
        return false;
    }

    /// <summary>The recording has ended: what it holds is let go and <see cref="Completion"/> completes.</summary>
    private void Finish(LiveSubscription subscription)
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
        _closed.TrySetResult();
    }

    /// <summary>Takes one frame (and the caller's reference to it). False: the recording has to stop.</summary>
    private bool Write(MediaFrame frame)
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
                CloseFile();
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
            if (!StartsFile(frame) || !OpenFile(frame))
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
                if (!WriteFragment(nextVideo, nextAudio))
                {
                    frame.Release();
                    return false;
                }
                var splits = video ? frame.IsKeyframe : true;
                if (splits && frame.Dts - _fileStartDts >= _maxFileMs)
                {
                    CloseFile();
                    if (!OpenFile(frame))
                    {
                        frame.Release();
                        return IsRecording;
                    }
                }
            }
        }
        var first = !FragmentStarted;
        if (first)
        {
            _assembly.Begin(_file!.Kept);
        }
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

    private bool OpenFile(MediaFrame first)
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
        // The video payloads are copied once, into the buffer the fragment is written from; the audio payloads (a few
        // percent of the bytes) into the writer's buffer, then after the video.
        _writer = new Fmp4SegmentWriter(video, audio, copyPayloads: true, videoPayloads: _assembly);
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
        _file.Write(_output.WrittenSpan, 0);
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
    /// <see cref="RecordingOptions.SyncSeconds"/>), on the disk thread. False: the size limits left no room, the
    /// recording stops.
    /// <para>One write of the fragment as assembled in the recording's buffer (<see cref="RecordingFragmentBuffer"/>):
    /// the video payloads were copied there as the frames came, the header and the audio payloads join them now.</para></summary>
    private bool WriteFragment(long nextVideoDts, long nextAudioDts)
    {
        try
        {
            _output.ResetWrittenCount();
            _fragment.Clear();
            if (!FragmentStarted)
            {
                return true;
            }
            var padding = _assembly.Prepare(_writer!.PendingHeaderLength);
            var length = _writer.WriteFragment(_output, _fragment, nextVideoDts, nextAudioDts, padding);
            // Listed: the audio payloads only (the video ones are in the assembly already).
            var assembled = _assembly.Complete(_output.WrittenSpan, _fragment.Count > 0 ? _fragment[0].Span : default);
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
            _file!.Write(_assembly, assembled, _fileOffset);
            if (sync)
            {
                _file.Sync();
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
    private void CloseFile()
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
                WriteFragment(Fmp4SegmentWriter.NoTimestamp, Fmp4SegmentWriter.NoTimestamp);
            }
        }
        finally
        {
            CloseFileQuietly();
        }
    }

    private void CloseFileQuietly()
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
                file.Close();
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
