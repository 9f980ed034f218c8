using System.Buffers.Binary;

namespace StreamHub.Recording;

/// <summary>Pure readers for the boxes of a fragmented MP4 recording (ISO/IEC 14496-12): what a listing and a VOD
/// playlist need from <c>moov</c> (each track's id, handler, timescale and sample entry) and from each <c>moof</c>
/// (each track's decode time, summed sample durations, and whether its first sample is a sync sample). No I/O: the
/// caller hands in a whole box, already bounded in size.
/// <code>
/// box:       size(32) type(32) [largesize(64) when size == 1] payload
/// full box:  version(8) flags(24) ...
/// tfhd:      track_ID(32) [base_data_offset(64) 0x1] [sample_description_index(32) 0x2]
///            [default_sample_duration(32) 0x8] [default_sample_size(32) 0x10] [default_sample_flags(32) 0x20]
/// trun:      sample_count(32) [data_offset(32) 0x1] [first_sample_flags(32) 0x4]
///            per sample: [duration 0x100] [size 0x200] [flags 0x400] [composition offset 0x800], 32 bits each
/// </code></summary>
public static class Mp4Boxes
{
    /// <summary>Reads a box header; false when fewer bytes than the header are given, or the size is impossible.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> data, out uint type, out long size, out int headerLength)
    {
        type = 0;
        size = 0;
        headerLength = 0;
        if (data.Length < 8)
        {
            return false;
        }
        size = BinaryPrimitives.ReadUInt32BigEndian(data);
        type = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        headerLength = 8;
        if (size == 1)
        {
            if (data.Length < 16)
            {
                return false;
            }
            size = (long)BinaryPrimitives.ReadUInt64BigEndian(data[8..]);
            headerLength = 16;
        }
        return size >= headerLength;
    }

    /// <summary>The tracks described in a <c>moov</c> box (the whole box, header included).</summary>
    public static List<Mp4TrackInfo> ReadMovie(ReadOnlySpan<byte> moov)
    {
        var tracks = new List<Mp4TrackInfo>();
        foreach (var (type, trak) in Children(Payload(moov)))
        {
            if (type == Trak && ReadTrack(trak) is { } track)
            {
                tracks.Add(track);
            }
        }
        return tracks;
    }

    private static Mp4TrackInfo? ReadTrack(ReadOnlySpan<byte> trak)
    {
        uint trackId = 0, timescale = 0, handler = 0, sampleEntry = 0;
        foreach (var (type, child) in Children(Payload(trak)))
        {
            if (type == Tkhd)
            {
                var body = Payload(child);
                var offset = body.Length > 0 && body[0] == 1 ? 4 + 16 : 4 + 8;
                trackId = body.Length >= offset + 4 ? BinaryPrimitives.ReadUInt32BigEndian(body[offset..]) : 0;
            }
            else if (type == Mdia)
            {
                foreach (var (mediaType, media) in Children(Payload(child)))
                {
                    var body = Payload(media);
                    if (mediaType == Mdhd)
                    {
                        var offset = body.Length > 0 && body[0] == 1 ? 4 + 16 : 4 + 8;
                        timescale = body.Length >= offset + 4 ? BinaryPrimitives.ReadUInt32BigEndian(body[offset..]) : 0;
                    }
                    else if (mediaType == Hdlr && body.Length >= 12)
                    {
                        handler = BinaryPrimitives.ReadUInt32BigEndian(body[8..]);
                    }
                    else if (mediaType == Minf)
                    {
                        sampleEntry = FirstSampleEntry(body);
                    }
                }
            }
        }
        return trackId == 0 || timescale == 0 ? null : new Mp4TrackInfo(trackId, timescale, handler == Vide, FourCc(sampleEntry));
    }

    private static uint FirstSampleEntry(ReadOnlySpan<byte> minf)
    {
        foreach (var (type, stbl) in Children(minf))
        {
            if (type != Stbl)
            {
                continue;
            }
            foreach (var (tableType, table) in Children(Payload(stbl)))
            {
                var body = Payload(table);
                // stsd: version/flags, entry_count, then the first entry's header.
                if (tableType == Stsd && body.Length >= 16)
                {
                    return BinaryPrimitives.ReadUInt32BigEndian(body[12..]);
                }
            }
        }
        return 0;
    }

    /// <summary>One <c>traf</c> of a <c>moof</c> box (the whole box, header included) per track, with its timing.</summary>
    public static List<Mp4TrackRun> ReadFragment(ReadOnlySpan<byte> moof)
    {
        var runs = new List<Mp4TrackRun>(2);
        foreach (var (type, traf) in Children(Payload(moof)))
        {
            if (type != Traf)
            {
                continue;
            }
            uint trackId = 0, defaultDuration = 0, defaultFlags = 0;
            ulong decodeTime = 0;
            ulong duration = 0;
            uint? firstFlags = null;
            var samples = 0;
            foreach (var (childType, child) in Children(Payload(traf)))
            {
                var body = Payload(child);
                if (body.Length < 4)
                {
                    continue;
                }
                var version = body[0];
                var flags = BinaryPrimitives.ReadUInt32BigEndian(body) & 0xFFFFFF;
                var fields = body[4..];
                if (childType == Tfhd && fields.Length >= 4)
                {
                    trackId = BinaryPrimitives.ReadUInt32BigEndian(fields);
                    var at = 4 + ((flags & 0x1) != 0 ? 8 : 0) + ((flags & 0x2) != 0 ? 4 : 0);
                    if ((flags & 0x8) != 0 && fields.Length >= at + 4)
                    {
                        defaultDuration = BinaryPrimitives.ReadUInt32BigEndian(fields[at..]);
                    }
                    at += (flags & 0x8) != 0 ? 4 : 0;
                    at += (flags & 0x10) != 0 ? 4 : 0;
                    if ((flags & 0x20) != 0 && fields.Length >= at + 4)
                    {
                        defaultFlags = BinaryPrimitives.ReadUInt32BigEndian(fields[at..]);
                    }
                }
                else if (childType == Tfdt)
                {
                    decodeTime = version == 1 && fields.Length >= 8 ? BinaryPrimitives.ReadUInt64BigEndian(fields)
                        : fields.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(fields) : 0;
                }
                else if (childType == Trun && fields.Length >= 4)
                {
                    var count = BinaryPrimitives.ReadUInt32BigEndian(fields);
                    var at = 4 + ((flags & 0x1) != 0 ? 4 : 0);
                    if ((flags & 0x4) != 0 && fields.Length >= at + 4)
                    {
                        firstFlags = BinaryPrimitives.ReadUInt32BigEndian(fields[at..]);
                        at += 4;
                    }
                    var perSample = 4 * (((flags & 0x100) != 0 ? 1 : 0) + ((flags & 0x200) != 0 ? 1 : 0) + ((flags & 0x400) != 0 ? 1 : 0)
                        + ((flags & 0x800) != 0 ? 1 : 0));
                    // A count the box cannot hold is a broken box: only the samples present are read.
                    var present = perSample == 0 ? count : Math.Min(count, (uint)((fields.Length - at) / perSample));
                    for (var i = 0; i < present; i++)
                    {
                        var sample = fields.Slice(at + i * perSample);
                        duration += (flags & 0x100) != 0 ? BinaryPrimitives.ReadUInt32BigEndian(sample) : defaultDuration;
                        if (i == 0 && firstFlags is null && (flags & 0x400) != 0)
                        {
                            var flagsAt = 4 * (((flags & 0x100) != 0 ? 1 : 0) + ((flags & 0x200) != 0 ? 1 : 0));
                            firstFlags = BinaryPrimitives.ReadUInt32BigEndian(sample[flagsAt..]);
                        }
                    }
                    samples += (int)present;
                }
            }
            if (trackId != 0 && samples > 0)
            {
                // sample_is_non_sync_sample is bit 16 of the sample flags.
                var sync = ((firstFlags ?? defaultFlags) & 0x10000) == 0;
                runs.Add(new Mp4TrackRun(trackId, decodeTime, duration, samples, sync));
            }
        }
        return runs;
    }

    private static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> box) =>
        TryReadHeader(box, out _, out _, out var header) ? box[header..] : [];

    private static BoxEnumerator Children(ReadOnlySpan<byte> payload) => new(payload);

    /// <summary>The boxes in a payload, each whole (header included); stops at one that does not fit.</summary>
    public ref struct BoxEnumerator(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public Slice Current { get; private set; }

        public readonly BoxEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (!TryReadHeader(_rest, out var type, out var size, out _) || size > _rest.Length)
            {
                return false;
            }
            Current = new Slice(type, _rest[..(int)size]);
            _rest = _rest[(int)size..];
            return true;
        }
    }

    /// <summary>A box's type and its bytes, header included.</summary>
    public readonly ref struct Slice(uint type, ReadOnlySpan<byte> box)
    {
        private readonly ReadOnlySpan<byte> _box = box;

        public uint Type { get; } = type;

        public ReadOnlySpan<byte> Box => _box;

        public void Deconstruct(out uint type, out ReadOnlySpan<byte> box)
        {
            type = Type;
            box = _box;
        }
    }

    private static string FourCc(uint value) => value == 0 ? "" : string.Create(4, value, static (span, v) =>
    {
        for (var i = 0; i < 4; i++)
        {
            var c = (char)((v >> (24 - 8 * i)) & 0xFF);
            span[i] = char.IsAsciiLetterOrDigit(c) ? c : '?';
        }
    });

    public const uint Ftyp = 0x66747970;
    public const uint Moov = 0x6D6F6F76;
    public const uint Moof = 0x6D6F6F66;
    public const uint Mdat = 0x6D646174;
    private const uint Trak = 0x7472616B;
    private const uint Tkhd = 0x746B6864;
    private const uint Mdia = 0x6D646961;
    private const uint Mdhd = 0x6D646864;
    private const uint Hdlr = 0x68646C72;
    private const uint Minf = 0x6D696E66;
    private const uint Stbl = 0x7374626C;
    private const uint Stsd = 0x73747364;
    private const uint Traf = 0x74726166;
    private const uint Tfhd = 0x74666864;
    private const uint Tfdt = 0x74666474;
    private const uint Trun = 0x7472756E;
    private const uint Vide = 0x76696465;
}
