using System.Buffers;
using StreamHub.Media;
using StreamHub.Media.Av1;

namespace StreamHub.Hls.Fmp4;

/// <summary>Collects the coded frames of a video and an audio track and writes them as CMAF fragments
/// (<c>moof</c> + <c>mdat</c>), plus the init segment and the <c>styp</c> that opens a segment. No I/O: everything is
/// written into an <see cref="IBufferWriter{T}"/>.
/// <para>Driving it from a segmenter: build the tracks from the sequence headers (<see cref="Fmp4Track.TryCreate"/>),
/// write <see cref="WriteInitSegment"/> once; then <see cref="Add(MediaFrame)"/> every coded frame and call
/// <see cref="WriteFragment(IBufferWriter{byte}, long, long)"/> at each cut (a segment or a part), <see cref="WriteSegmentType"/> first when the
/// fragment starts a segment. <see cref="Add(MediaFrame)"/> keeps a reference to the frame's payload, not a copy: the caller
/// keeps each frame retained until the <see cref="WriteFragment(IBufferWriter{byte}, long, long)"/> that writes it has returned
/// (unless the writer copies payloads: see the constructor).</para>
/// <para>Timing: frames come in with millisecond DTS and composition offsets (RTMP). Video runs at 90 kHz
/// (ms × 90); audio at its sample rate, sample-accurate (see <see cref="AudioSampleClock"/>). A sample's duration is
/// the next sample's decode time minus its own; the last sample of a fragment takes the next frame's DTS when the
/// caller knows it (a cut at a keyframe: that keyframe's DTS) or else a default: the frame length for audio, the
/// previous sample's duration for video. Each fragment's <c>tfdt</c> is its first sample's own decode time, so a guessed
/// duration never accumulates.</para>
/// <para>Nothing is allocated per sample: samples go into pooled arrays that grow by doubling and are returned on
/// <see cref="Dispose"/>. Not thread-safe: one writer per stream, driven by that stream's segmenter.</para></summary>
public sealed class Fmp4SegmentWriter : IDisposable
{
    /// <summary>"No next timestamp": the last sample of the fragment gets a default duration.</summary>
    public const long NoTimestamp = long.MinValue;

    private const int VideoTicksPerMillisecond = (int)(Fmp4Track.VideoTimescale / 1000);
    private const int DefaultVideoDuration = (int)(Fmp4Track.VideoTimescale / 30);

    private readonly TrackSamples? _video;
    private readonly TrackSamples? _audio;
    private uint _sequenceNumber = 1;

    /// <param name="firstSequenceNumber">The <c>mfhd</c> sequence number of the first fragment (a stream whose tracks
    /// change continues its numbering).</param>
    /// <param name="copyPayloads">Whether <see cref="Add(MediaFrame)"/> copies each payload into the writer's own buffer
    /// (one per track, reused from fragment to fragment) instead of keeping a reference: the caller may then release a
    /// frame as soon as it is added. For a consumer that holds a fragment for seconds (a recording): frames held that
    /// long outnumber what the shared array pool keeps, and every publisher's next rent would allocate a new array.</param>
    /// <param name="videoPayloads">Where the video payloads are copied as they are added, one after the other in
    /// <c>mdat</c> order, instead of being kept (a recording's write buffer: one copy of the bytes instead of two). A
    /// fragment written through the overload that takes a payload list
    /// then lists only the audio payloads: the caller puts the video payloads between the header and them.</param>
    public Fmp4SegmentWriter(Fmp4Track? video, Fmp4Track? audio, uint firstSequenceNumber = 1, bool copyPayloads = false,
        IBufferWriter<byte>? videoPayloads = null)
    {
        _sequenceNumber = Math.Max(1, firstSequenceNumber);
        if (video is null && audio is null)
        {
            throw new ArgumentException("A segment writer needs at least one track.");
        }
        if (video is { Kind: not MediaKind.Video } || audio is { Kind: not MediaKind.Audio })
        {
            throw new ArgumentException("Tracks passed in the wrong slot.");
        }
        Video = video;
        Audio = audio;
        _video = video is null ? null : new TrackSamples(video, copyPayloads && videoPayloads is null, videoPayloads);
        _audio = audio is null ? null : new TrackSamples(audio, copyPayloads, null);
    }

    public Fmp4Track? Video { get; }
    public Fmp4Track? Audio { get; }

    /// <summary>The <c>mfhd</c> sequence number the next fragment gets (1, 2, ...).</summary>
    public uint SequenceNumber => _sequenceNumber;

    /// <summary>Video samples waiting for the next fragment.</summary>
    public int PendingVideoSamples => _video?.Count ?? 0;

    /// <summary>Audio samples waiting for the next fragment.</summary>
    public int PendingAudioSamples => _audio?.Count ?? 0;

    /// <summary>Payload bytes waiting for the next fragment.</summary>
    public long PendingBytes => (_video?.PayloadBytes ?? 0) + (_audio?.PayloadBytes ?? 0);

    public void WriteInitSegment(IBufferWriter<byte> output) => Fmp4InitSegment.Write(output, Video, Audio);

    /// <summary>Writes the <c>styp</c> that starts a media segment: ffmpeg's (its HLS and DASH muxers) brands,
    /// <c>msdh</c> with <c>msix</c>.</summary>
    public static void WriteSegmentType(IBufferWriter<byte> output)
    {
        var box = new BoxWriter(output.GetSpan(24));
        var styp = box.Start(BoxType.Styp);
        box.U32(Msdh);
        box.U32(0);
        box.U32(Msdh);
        box.U32(Msix);
        box.End(styp);
        output.Advance(box.Length);
    }

    private const uint Msdh = 0x6D736468;
    private const uint Msix = 0x6D736978;

    /// <summary>Queues a coded frame of a configured track for the next fragment. False (nothing kept) for sequence
    /// headers, end-of-sequence markers, empty payloads, and frames of a kind that has no track.</summary>
    public bool Add(MediaFrame frame)
    {
        if (frame.FrameKind != MediaFrameKind.Coded || frame.Payload.IsEmpty)
        {
            return false;
        }
        var track = frame.Kind == MediaKind.Video ? _video : _audio;
        if (track is null)
        {
            return false;
        }
        if (track.Track.Kind == MediaKind.Video)
        {
            track.Append(new Fmp4Sample(frame.Dts * VideoTicksPerMillisecond, frame.CompositionOffset * VideoTicksPerMillisecond,
                frame.IsKeyframe ? Fmp4SampleFlags.Sync : Fmp4SampleFlags.NonSync, VideoSample(track.Track, frame.Payload)));
        }
        else
        {
            track.Append(new Fmp4Sample(track.Clock.Advance(frame.Dts, track.Track.SamplesPerFrame), 0, Fmp4SampleFlags.Sync, frame.Payload));
        }
        return true;
    }

    /// <summary>Queues a coded frame timed by the caller's 90 kHz clock (a segmenter's, which keeps the timeline
    /// continuous across publishes) instead of the frame's own millisecond timestamps: video takes
    /// <paramref name="dts"/> and <paramref name="pts"/> as they are; audio is placed sample-accurately near
    /// <paramref name="dts"/> (<see cref="AudioSampleClock"/>). Same rules as <see cref="Add(MediaFrame)"/> otherwise.</summary>
    public bool Add(MediaFrame frame, long dts, long pts)
    {
        if (frame.FrameKind != MediaFrameKind.Coded || frame.Payload.IsEmpty)
        {
            return false;
        }
        var track = frame.Kind == MediaKind.Video ? _video : _audio;
        if (track is null)
        {
            return false;
        }
        if (track.Track.Kind == MediaKind.Video)
        {
            var offset = (int)Math.Clamp(pts - dts, int.MinValue, int.MaxValue);
            track.Append(new Fmp4Sample(dts, offset, frame.IsKeyframe ? Fmp4SampleFlags.Sync : Fmp4SampleFlags.NonSync,
                VideoSample(track.Track, frame.Payload)));
        }
        else
        {
            var ms = (dts + 45) / 90;
            track.Append(new Fmp4Sample(track.Clock.Advance(ms, track.Track.SamplesPerFrame), 0, Fmp4SampleFlags.Sync, frame.Payload));
        }
        return true;
    }

    /// <summary>A video frame's payload as the sample carries it: for AV1 the temporal unit without the temporal
    /// delimiter it starts with (AV1-ISOBMFF §2.4; ffmpeg's mp4 muxer drops it too), a slice of the frame, not a copy.
    /// Any other codec's payload as it is.</summary>
    private static ReadOnlyMemory<byte> VideoSample(Fmp4Track track, ReadOnlyMemory<byte> payload)
    {
        if (track.Codec != Fmp4Codec.Av1)
        {
            return payload;
        }
        var delimiter = Av1TemporalUnit.TemporalDelimiterLength(payload.Span);
        return delimiter > 0 && delimiter < payload.Length ? payload[delimiter..] : payload;
    }

    /// <summary>Writes one fragment of the samples queued through <see cref="Add(MediaFrame, long, long)"/>; the last
    /// video sample lasts until <paramref name="videoEnd"/> (90 kHz) when known, the last audio sample one frame.</summary>
    public void WriteFragmentUntil(IBufferWriter<byte> output, long videoEnd)
    {
        var video = _video is { Count: > 0 } ? _video : null;
        var audio = _audio is { Count: > 0 } ? _audio : null;
        if (video is not null || audio is not null)
        {
            WriteTrackFragments(output, video, audio, video is null ? 0 : videoEnd, audio is null ? 0 : NoTimestamp);
        }
    }

    /// <summary>Writes one fragment with every queued sample: <c>moof</c> (<c>mfhd</c>, then a <c>traf</c> per track
    /// that has samples) and <c>mdat</c> (the video samples, then the audio samples, as the payloads came). Does
    /// nothing when no sample is queued.</summary>
    /// <param name="nextVideoDts">DTS in ms of the video frame after the fragment, when known.</param>
    /// <param name="nextAudioDts">DTS in ms of the audio frame after the fragment, when known.</param>
    public void WriteFragment(IBufferWriter<byte> output, long nextVideoDts = NoTimestamp, long nextAudioDts = NoTimestamp)
    {
        var video = _video is { Count: > 0 } ? _video : null;
        var audio = _audio is { Count: > 0 } ? _audio : null;
        if (video is null && audio is null)
        {
            return;
        }
        var videoEnd = video is null ? 0 : nextVideoDts == NoTimestamp ? NoTimestamp : nextVideoDts * VideoTicksPerMillisecond;
        var audioEnd = audio is null ? 0 : nextAudioDts == NoTimestamp ? NoTimestamp : audio.Clock.Peek(nextAudioDts);
        WriteTrackFragments(output, video, audio, videoEnd, audioEnd);
    }

    /// <summary>Writes one fragment as <see cref="WriteFragment(IBufferWriter{byte}, long, long)"/> does, except that
    /// only the <c>moof</c> and the <c>mdat</c> header go into <paramref name="header"/>: the payloads are appended to
    /// <paramref name="payloads"/> in <c>mdat</c> order, not copied, for one gathered write of the header and the frames'
    /// own memory. The caller keeps the frames retained until that write has completed. A writer that copies payloads
    /// lists its own buffer instead, one memory per track, valid until the next <see cref="Add(MediaFrame)"/>. Returns
    /// the fragment's length in bytes (0 when no sample is queued).</summary>
    /// <param name="mdatPadding">Bytes the <c>mdat</c> holds before its samples, unused (the sample offsets skip
    /// them); the caller writes them after the header: room a caller left for the header, not all of it taken.</param>
    public long WriteFragment(IBufferWriter<byte> header, List<ReadOnlyMemory<byte>> payloads, long nextVideoDts = NoTimestamp,
        long nextAudioDts = NoTimestamp, int mdatPadding = 0)
    {
        var video = _video is { Count: > 0 } ? _video : null;
        var audio = _audio is { Count: > 0 } ? _audio : null;
        if (video is null && audio is null)
        {
            return 0;
        }
        var videoEnd = video is null ? 0 : nextVideoDts == NoTimestamp ? NoTimestamp : nextVideoDts * VideoTicksPerMillisecond;
        var audioEnd = audio is null ? 0 : nextAudioDts == NoTimestamp ? NoTimestamp : audio.Clock.Peek(nextAudioDts);
        return WriteTrackFragments(header, video, audio, videoEnd, audioEnd, payloads, mdatPadding);
    }

    /// <summary>The length of the next fragment's <c>moof</c> and <c>mdat</c> header, for the samples queued now.</summary>
    public int PendingHeaderLength => 8 + MfhdSize + (_video is { Count: > 0 } ? _video.TrafSize : 0) + (_audio is { Count: > 0 } ? _audio.TrafSize : 0) + 8;

    private const int MfhdSize = 16;

    /// <summary>The fragment of the given tracks' queued samples (null: none queued); each end is the decode time in
    /// the track's timescale after its last sample, or <see cref="NoTimestamp"/>. The payloads are copied into
    /// <paramref name="output"/>, or, given <paramref name="payloads"/>, listed there instead.</summary>
    private long WriteTrackFragments(IBufferWriter<byte> output, TrackSamples? video, TrackSamples? audio, long videoEnd, long audioEnd,
        List<ReadOnlyMemory<byte>>? payloads = null, int mdatPadding = 0)
    {
        var moofSize = 8 + MfhdSize + (video?.TrafSize ?? 0) + (audio?.TrafSize ?? 0);
        var videoBytes = video?.PayloadBytes ?? 0;
        var audioBytes = audio?.PayloadBytes ?? 0;
        // trun's data_offset is a signed 32-bit field: a fragment is far smaller than that, or the cutting is broken.
        if (moofSize + 8 + mdatPadding + videoBytes + audioBytes > int.MaxValue)
        {
            throw new InvalidOperationException("A fragment over 2 GB: cut fragments at least once per segment.");
        }

        var box = new BoxWriter(output.GetSpan(moofSize + 8));
        var moof = box.Start(BoxType.Moof);
        var mfhd = box.StartFull(BoxType.Mfhd, 0, 0);
        box.U32(_sequenceNumber++);
        box.End(mfhd);
        // data_offset: from the first byte of moof (default-base-is-moof) to the track's first sample in mdat.
        video?.WriteTrackFragment(ref box, moofSize + 8 + mdatPadding, videoEnd);
        audio?.WriteTrackFragment(ref box, moofSize + 8 + mdatPadding + (int)videoBytes, audioEnd);
        box.End(moof);
        box.U32((uint)(8 + mdatPadding + videoBytes + audioBytes)); // the payloads follow, written straight from the frames
        box.U32((uint)BoxType.Mdat);
        output.Advance(box.Length);
        if (payloads is null)
        {
            video?.WritePayloads(output);
            audio?.WritePayloads(output);
        }
        else
        {
            video?.ListPayloads(payloads);
            audio?.ListPayloads(payloads);
        }
        return moofSize + 8 + mdatPadding + videoBytes + audioBytes;
    }

    /// <summary>Forgets the queued samples without writing them (a stream reset); the sequence number goes on.</summary>
    public void Clear()
    {
        _video?.Clear();
        _audio?.Clear();
    }

    public void Dispose()
    {
        _video?.Dispose();
        _audio?.Dispose();
    }

    /// <summary>One track's queued samples in a pooled array; when it copies payloads, their bytes too, one after the
    /// other in mdat order, in a pooled buffer that grows by doubling and is kept from fragment to fragment; given a
    /// <paramref name="sink"/>, the bytes go there and only their sizes stay.</summary>
    private sealed class TrackSamples(Fmp4Track track, bool copyPayloads, IBufferWriter<byte>? sink) : IDisposable
    {
        private const int FirstDataLength = 64 * 1024;

        private Fmp4Sample[] _samples = ArrayPool<Fmp4Sample>.Shared.Rent(64);
        private byte[] _data = copyPayloads ? ArrayPool<byte>.Shared.Rent(FirstDataLength) : [];
        // The payload sizes of samples whose bytes went to the sink (their Payload is empty).
        private int[] _sizes = sink is null ? [] : ArrayPool<int>.Shared.Rent(64);

        public readonly Fmp4Track Track = track;
        public AudioSampleClock Clock = new(track.Kind == MediaKind.Audio ? (int)track.Timescale : 1000);
        public int Count;
        public long PayloadBytes;

        private bool IsVideo => Track.Kind == MediaKind.Video;

        /// <summary>traf: tfhd (16, or 20 with default flags for audio) + tfdt v1 (20) + trun (20 + per sample 16 for
        /// video, 8 for audio).</summary>
        public int TrafSize => 8 + (IsVideo ? 16 : 20) + 20 + 20 + Count * (IsVideo ? 16 : 8);

        public void Append(in Fmp4Sample sample)
        {
            if (Count == _samples.Length)
            {
                var larger = ArrayPool<Fmp4Sample>.Shared.Rent(Count * 2);
                _samples.AsSpan(0, Count).CopyTo(larger);
                ArrayPool<Fmp4Sample>.Shared.Return(_samples, clearArray: true);
                _samples = larger;
            }
            if (sink is not null)
            {
                if (Count == _sizes.Length)
                {
                    var larger = ArrayPool<int>.Shared.Rent(Count * 2);
                    _sizes.AsSpan(0, Count).CopyTo(larger);
                    ArrayPool<int>.Shared.Return(_sizes);
                    _sizes = larger;
                }
                var length = sample.Payload.Length;
                sample.Payload.Span.CopyTo(sink.GetSpan(length));
                sink.Advance(length);
                _sizes[Count] = sample.Payload.Length;
                _samples[Count++] = sample with { Payload = default };
                PayloadBytes += sample.Payload.Length;
                return;
            }
            var queued = copyPayloads ? sample with { Payload = Copy(sample.Payload.Span) } : sample;
            _samples[Count++] = queued;
            PayloadBytes += queued.Payload.Length;
        }

        private int SizeOf(int index) => sink is null ? _samples[index].Payload.Length : _sizes[index];

        /// <summary>The payload appended to the track's own buffer, which doubles when full (the queued samples then
        /// point into the new one).</summary>
        private ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> payload)
        {
            var used = (int)PayloadBytes;
            if (payload.Length > _data.Length - used)
            {
                var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(2L * _data.Length, (long)used + payload.Length)));
                _data.AsSpan(0, used).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_data);
                _data = larger;
                var offset = 0;
                foreach (ref var queued in _samples.AsSpan(0, Count))
                {
                    queued = queued with { Payload = _data.AsMemory(offset, queued.Payload.Length) };
                    offset += queued.Payload.Length;
                }
            }
            payload.CopyTo(_data.AsSpan(used));
            return _data.AsMemory(used, payload.Length);
        }

        /// <summary>tfhd, tfdt and trun for the queued samples; <paramref name="end"/> is the decode time after the
        /// last one, or <see cref="NoTimestamp"/>.</summary>
        public void WriteTrackFragment(ref BoxWriter box, int dataOffset, long end)
        {
            var samples = _samples.AsSpan(0, Count);
            var traf = box.Start(BoxType.Traf);
            if (IsVideo)
            {
                var tfhd = box.StartFull(BoxType.Tfhd, 0, TfhdDefaultBaseIsMoof);
                box.U32(Track.TrackId);
                box.End(tfhd);
            }
            else
            {
                var tfhd = box.StartFull(BoxType.Tfhd, 0, TfhdDefaultBaseIsMoof | TfhdDefaultSampleFlags);
                box.U32(Track.TrackId);
                box.U32(Fmp4SampleFlags.Sync);
                box.End(tfhd);
            }
            var tfdt = box.StartFull(BoxType.Tfdt, 1, 0);
            box.U64((ulong)samples[0].DecodeTime);
            box.End(tfdt);

            var trun = IsVideo
                ? box.StartFull(BoxType.Trun, 1, TrunDataOffset | TrunDuration | TrunSize | TrunFlags | TrunCompositionOffset)
                : box.StartFull(BoxType.Trun, 0, TrunDataOffset | TrunDuration | TrunSize);
            box.U32((uint)samples.Length);
            box.I32(dataOffset);
            var previousDuration = IsVideo ? DefaultVideoDuration : Track.SamplesPerFrame;
            for (var i = 0; i < samples.Length; i++)
            {
                long duration;
                if (i + 1 < samples.Length)
                {
                    duration = samples[i + 1].DecodeTime - samples[i].DecodeTime;
                }
                else
                {
                    duration = end != NoTimestamp ? end - samples[i].DecodeTime : IsVideo ? previousDuration : Track.SamplesPerFrame;
                }
                // Decode times that go backwards (a broken publisher): no negative duration on the wire.
                duration = Math.Clamp(duration, 0, uint.MaxValue);
                previousDuration = (int)Math.Min(duration, int.MaxValue);
                box.U32((uint)duration);
                box.U32((uint)SizeOf(i));
                if (IsVideo)
                {
                    box.U32(samples[i].Flags);
                    box.I32(samples[i].CompositionOffset);
                }
            }
            box.End(trun);
            box.End(traf);
        }

        /// <summary>The payloads in order, then the queue is emptied (the references dropped).</summary>
        public void WritePayloads(IBufferWriter<byte> output)
        {
            if (sink is not null)
            {
                throw new InvalidOperationException("The video payloads went to the writer's sink: write the fragment with its payloads listed.");
            }
            if (copyPayloads)
            {
                output.Write(_data.AsSpan(0, (int)PayloadBytes));
            }
            else
            {
                foreach (ref readonly var sample in _samples.AsSpan(0, Count))
                {
                    output.Write(sample.Payload.Span);
                }
            }
            Clear();
        }

        /// <summary>The payloads in order, appended to <paramref name="payloads"/> (the track's own buffer as one memory
        /// when it copies them: unchanged until the next <see cref="Append"/>); then the queue is emptied.</summary>
        public void ListPayloads(List<ReadOnlyMemory<byte>> payloads)
        {
            if (sink is not null)
            {
                // Already in the sink, in mdat order.
            }
            else if (copyPayloads)
            {
                payloads.Add(_data.AsMemory(0, (int)PayloadBytes));
            }
            else
            {
                foreach (ref readonly var sample in _samples.AsSpan(0, Count))
                {
                    payloads.Add(sample.Payload);
                }
            }
            Clear();
        }

        public void Clear()
        {
            _samples.AsSpan(0, Count).Clear();
            Count = 0;
            PayloadBytes = 0;
        }

        public void Dispose()
        {
            Clear();
            ArrayPool<Fmp4Sample>.Shared.Return(_samples);
            _samples = [];
            if (_sizes.Length > 0)
            {
                ArrayPool<int>.Shared.Return(_sizes);
                _sizes = [];
            }
            if (copyPayloads && _data.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_data);
                _data = [];
            }
        }
    }

    private const uint TfhdDefaultSampleFlags = 0x000020;
    private const uint TfhdDefaultBaseIsMoof = 0x020000;
    private const uint TrunDataOffset = 0x000001;
    private const uint TrunDuration = 0x000100;
    private const uint TrunSize = 0x000200;
    private const uint TrunFlags = 0x000400;
    private const uint TrunCompositionOffset = 0x000800;
}
