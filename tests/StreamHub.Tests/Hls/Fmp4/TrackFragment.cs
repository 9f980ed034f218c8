namespace StreamHub.Tests.Hls.Fmp4;

/// <summary>One <c>traf</c> read back: track id, baseMediaDecodeTime, samples.</summary>
public sealed record TrackFragment(uint TrackId, ulong BaseMediaDecodeTime, List<RunSample> Samples)
{
    /// <summary>Reads a traf (default-base-is-moof: data offsets count from its moof); defaults from tfhd, else trex.</summary>
    public static TrackFragment Read(Mp4Box traf, Mp4Box? trex = null)
    {
        var tfhd = traf.Child("tfhd");
        var flags = tfhd.Flags;
        Assert.True((flags & 0x020000) != 0, "tfhd must set default-base-is-moof");
        Assert.True((flags & 0x000001) == 0, "no explicit base data offset in CMAF");
        var trackId = tfhd.U32(4);
        var p = 8;
        uint defaultDuration = trex?.U32(12) ?? 0, defaultSize = trex?.U32(16) ?? 0, defaultFlags = trex?.U32(20) ?? 0;
        if ((flags & 0x02) != 0) { p += 4; }
        if ((flags & 0x08) != 0) { defaultDuration = tfhd.U32(p); p += 4; }
        if ((flags & 0x10) != 0) { defaultSize = tfhd.U32(p); p += 4; }
        if ((flags & 0x20) != 0) { defaultFlags = tfhd.U32(p); }

        var tfdt = traf.Child("tfdt");
        var baseTime = tfdt.Version == 1 ? tfdt.U64(4) : tfdt.U32(4);

        var samples = new List<RunSample>();
        var decodeTime = (long)baseTime;
        foreach (var trun in traf.All("trun"))
        {
            var tf = trun.Flags;
            var count = (int)trun.U32(4);
            var q = 8;
            var dataOffset = 0;
            if ((tf & 0x001) != 0) { dataOffset = (int)trun.U32(q); q += 4; }
            uint? firstFlags = null;
            if ((tf & 0x004) != 0) { firstFlags = trun.U32(q); q += 4; }
            for (var i = 0; i < count; i++)
            {
                var duration = defaultDuration;
                var size = defaultSize;
                var sampleFlags = i == 0 && firstFlags is { } first ? first : defaultFlags;
                var cts = 0;
                if ((tf & 0x100) != 0) { duration = trun.U32(q); q += 4; }
                if ((tf & 0x200) != 0) { size = trun.U32(q); q += 4; }
                if ((tf & 0x400) != 0) { sampleFlags = trun.U32(q); q += 4; }
                if ((tf & 0x800) != 0) { cts = (int)trun.U32(q); q += 4; }
                Assert.True(trun.Version == 1 || cts >= 0, "a version 0 trun has unsigned composition offsets");
                samples.Add(new RunSample(duration, size, sampleFlags, cts, decodeTime, dataOffset));
                decodeTime += duration;
                dataOffset += (int)size;
            }
        }
        return new TrackFragment(trackId, baseTime, samples);
    }
}
