using System.Buffers;

namespace StreamHub.Hls.Ts;

/// <summary>Writes one program (H.264 and/or AAC) as 188-byte MPEG-TS packets to an <see cref="IBufferWriter{T}"/>.
/// One instance per stream lives as long as the stream, so continuity counters run on across segments. Every packet
/// is written straight into the writer's span: nothing is allocated per packet.
/// <para>Clock: timestamps are 90 kHz, 64-bit, masked to 33 bits on the wire. PCR = DTS − <see cref="PcrOffset"/>
/// (700 ms, as nginx-rtmp and FFmpeg's muxdelay), never going backwards, so PCR stays below every DTS; the caller
/// keeps DTS ≥ <see cref="PcrOffset"/>. PCR rides on the video PID (the audio PID when there is no video), on every
/// PES start of that PID, with random_access on keyframes; while only audio flows in an audio+video program, a PCR-only
/// packet goes out on the video PID before an audio frame once the last PCR is <see cref="PcrOnlyAfter"/> old, which
/// keeps PCRs under 100 ms apart (ISO/IEC 13818-1 §2.7.2) for audio frames up to 50 ms long. (A video-only stream
/// below 10 frames a second has PCRs one frame apart; players of HLS do not mind.)</para></summary>
public sealed partial class TsMuxer
{
    /// <summary>PCR = DTS − 700 ms.</summary>
    public const long PcrOffset = 700 * 90;

    /// <summary>Age of the last PCR at which an audio frame in an audio+video program is preceded by a PCR-only packet.</summary>
    public const long PcrOnlyAfter = 50 * 90;

    private readonly byte[] _continuity = new byte[4];
    private long _lastPcr = -1;

    public TsMuxer(bool hasVideo, bool hasAudio)
    {
        SetTracks(hasVideo, hasAudio);
    }

    public bool HasVideo { get; private set; }
    public bool HasAudio { get; private set; }

    /// <summary>The PID that carries the PCR.</summary>
    public TsPid PcrPid => HasVideo ? TsPid.Video : TsPid.Audio;

    /// <summary>Changes the program's tracks (takes effect in the next PMT; continuity counters carry on).</summary>
    public void SetTracks(bool hasVideo, bool hasAudio)
    {
        if (!hasVideo && !hasAudio)
        {
            throw new ArgumentException("A program needs at least one track.");
        }
        HasVideo = hasVideo;
        HasAudio = hasAudio;
    }

    /// <summary>Writes one video access unit (Annex B) as a PES with PTS/DTS and PES_packet_length 0.</summary>
    public void WriteVideo(IBufferWriter<byte> output, ReadOnlySpan<byte> accessUnit, long pts, long dts, bool randomAccess)
    {
        WritePes(output, TsPid.Video, PesStreamId.Video, [], accessUnit, pts, dts, randomAccess);
    }

    /// <summary>Writes one audio frame (ADTS header + raw AAC) as a PES with PTS and exact PES_packet_length.</summary>
    public void WriteAudio(IBufferWriter<byte> output, ReadOnlySpan<byte> adtsHeader, ReadOnlySpan<byte> rawFrame, long pts)
    {
        if (HasVideo && _lastPcr >= 0 && pts - PcrOffset - _lastPcr >= PcrOnlyAfter)
        {
            WritePcrOnly(output, TsPid.Video, NextPcr(pts));
        }
        WritePes(output, TsPid.Audio, PesStreamId.Audio, adtsHeader, rawFrame, pts, pts, randomAccess: !HasVideo);
    }

    private long NextPcr(long dts)
    {
        var pcr = Math.Max(0, dts - PcrOffset);
        if (pcr < _lastPcr)
        {
            pcr = _lastPcr;
        }
        _lastPcr = pcr;
        return pcr;
    }

    private void WritePes(IBufferWriter<byte> output, TsPid pid, PesStreamId streamId, ReadOnlySpan<byte> first,
        ReadOnlySpan<byte> second, long pts, long dts, bool randomAccess)
    {
        Span<byte> header = stackalloc byte[PesHeader.MaxSize];
        var payloadLength = first.Length + second.Length;
        // Video: PES_packet_length 0 (unbounded, as FFmpeg writes it; an access unit may exceed 64 KiB). Audio: exact.
        var headerLength = PesHeader.Write(header, streamId, streamId == PesStreamId.Video ? 0 : payloadLength, pts, dts);
        ReadOnlySpan<byte> pesHeader = header[..headerLength];

        var withPcr = pid == PcrPid;
        var pcr = withPcr ? NextPcr(dts) : 0;
        var remaining = headerLength + payloadLength;
        var start = true;
        while (remaining > 0)
        {
            var packet = output.GetSpan(TsPacket.Size)[..TsPacket.Size];

            // Adaptation field fixed part in this packet: length + flags (+ PCR) on the first packet when wanted.
            var flags = (byte)0;
            if (start && withPcr)
            {
                flags |= TsPacket.PcrFlag;
            }
            if (start && randomAccess)
            {
                flags |= TsPacket.RandomAccessFlag;
            }
            var adaptation = flags == 0 ? 0 : 2 + ((flags & TsPacket.PcrFlag) != 0 ? TsPacket.PcrSize : 0);
            var room = TsPacket.PayloadCapacity - adaptation;
            var stuffing = remaining < room ? room - remaining : 0;
            var total = adaptation + stuffing;

            TsPacket.WriteHeader(packet, pid, start, total > 0 ? TsPacket.AdaptationAndPayload : TsPacket.PayloadOnly, NextContinuity(pid));
            var position = TsPacket.HeaderSize;
            if (total > 0)
            {
                // 1 spare byte and no fields: adaptation_field_length 0. Otherwise length, flags, fields, then FF stuffing.
                packet[position] = (byte)(total - 1);
                if (total > 1)
                {
                    packet[position + 1] = flags;
                    var fields = position + 2;
                    if ((flags & TsPacket.PcrFlag) != 0)
                    {
                        Pcr.Write(packet[fields..], pcr);
                        fields += TsPacket.PcrSize;
                    }
                    packet[fields..(position + total)].Fill(0xFF);
                }
                position += total;
            }

            // Payload: the rest of the PES header, then first, then second.
            var space = TsPacket.Size - position;
            Take(ref pesHeader, packet, ref position, ref space);
            Take(ref first, packet, ref position, ref space);
            Take(ref second, packet, ref position, ref space);
            remaining -= TsPacket.Size - (TsPacket.HeaderSize + total);
            output.Advance(TsPacket.Size);
            start = false;
        }
    }

    private static void Take(ref ReadOnlySpan<byte> source, Span<byte> packet, ref int position, ref int space)
    {
        var count = Math.Min(space, source.Length);
        source[..count].CopyTo(packet[position..]);
        source = source[count..];
        position += count;
        space -= count;
    }

    /// <summary>An adaptation-field-only packet carrying a PCR (its continuity counter repeats the last one, as the
    /// standard requires for packets without payload).</summary>
    private void WritePcrOnly(IBufferWriter<byte> output, TsPid pid, long pcr)
    {
        var packet = output.GetSpan(TsPacket.Size)[..TsPacket.Size];
        TsPacket.WriteHeader(packet, pid, false, TsPacket.AdaptationOnly, CurrentContinuity(pid));
        packet[4] = TsPacket.PayloadCapacity - 1;
        packet[5] = TsPacket.PcrFlag;
        Pcr.Write(packet[6..], pcr);
        packet[(6 + TsPacket.PcrSize)..].Fill(0xFF);
        output.Advance(TsPacket.Size);
    }

    private int NextContinuity(TsPid pid)
    {
        ref var counter = ref _continuity[Slot(pid)];
        var value = counter;
        counter = (byte)((counter + 1) & 0x0F);
        return value;
    }

    private int CurrentContinuity(TsPid pid) => (_continuity[Slot(pid)] - 1) & 0x0F;

    private static int Slot(TsPid pid) => pid switch
    {
        TsPid.Pat => 0,
        TsPid.Pmt => 1,
        TsPid.Video => 2,
        TsPid.Audio => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(pid)),
    };
}
