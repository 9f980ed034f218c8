namespace StreamHub.Tests.Hls.Fmp4;

/// <summary>A fragmented MP4 read back box by box: the init boxes (<c>ftyp</c>, <c>moov</c>) and each fragment's
/// <c>moof</c> with its track fragments and the bytes of every sample (located through trun's data offset from the
/// moof, and checked to lie inside the mdat that follows it).</summary>
public sealed class Fmp4File
{
    private Fmp4File(byte[] bytes, List<Mp4Box> boxes)
    {
        Bytes = bytes;
        Boxes = boxes;
        Moov = boxes.Single(b => b.Type == "moov");
        for (var i = 0; i < boxes.Count; i++)
        {
            if (boxes[i].Type != "moof")
            {
                continue;
            }
            var moof = boxes[i];
            var mdat = boxes[i + 1];
            Assert.Equal("mdat", mdat.Type);
            var tracks = moof.All("traf").Select(traf => TrackFragment.Read(traf, Trex(traf.Child("tfhd").U32(4)))).ToList();
            foreach (var sample in tracks.SelectMany(t => t.Samples))
            {
                Assert.True(moof.Offset + sample.DataOffset >= mdat.Offset + mdat.HeaderSize
                    && moof.Offset + sample.DataOffset + sample.Size <= mdat.Offset + mdat.Size, "sample outside its mdat");
            }
            Fragments.Add(new Fragment(moof, mdat, tracks));
        }
    }

    public byte[] Bytes { get; }
    public List<Mp4Box> Boxes { get; }
    public Mp4Box Moov { get; }
    public List<Fragment> Fragments { get; } = [];

    public static Fmp4File Read(byte[] bytes) => new(bytes, Mp4Box.Parse(bytes));

    public Mp4Box Trak(uint trackId) => Moov.All("trak").Single(t => t.Child("tkhd").U32(12) == trackId);

    public Mp4Box? Trex(uint trackId) => Moov.Child("mvex").All("trex").SingleOrDefault(t => t.U32(4) == trackId);

    public ReadOnlySpan<byte> SampleBytes(Fragment fragment, RunSample sample) =>
        Bytes.AsSpan(fragment.Moof.Offset + sample.DataOffset, (int)sample.Size);

    /// <summary>Every sample of a track across all fragments, in order, with the fragment it is in.</summary>
    public IEnumerable<(Fragment Fragment, RunSample Sample)> Samples(uint trackId) =>
        Fragments.SelectMany(f => f.Tracks.Where(t => t.TrackId == trackId).SelectMany(t => t.Samples.Select(s => (f, s))));

    public sealed record Fragment(Mp4Box Moof, Mp4Box Mdat, List<TrackFragment> Tracks)
    {
        public uint SequenceNumber => Moof.Child("mfhd").U32(4);
        public TrackFragment? Track(uint id) => Tracks.SingleOrDefault(t => t.TrackId == id);
    }
}
