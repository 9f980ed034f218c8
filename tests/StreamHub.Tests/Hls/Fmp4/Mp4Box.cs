using System.Buffers.Binary;
using System.Text;

namespace StreamHub.Tests.Hls.Fmp4;

/// <summary>A box of an ISO BMFF file as the tests read it: its type, where its body lies in the file, and its
/// children when it is a container or a sample entry (whose fixed fields come before its child boxes).</summary>
public sealed class Mp4Box
{
    private static readonly HashSet<string> Containers = ["moov", "trak", "mdia", "minf", "dinf", "stbl", "mvex", "moof", "traf", "edts", "udta"];

    /// <summary>Bytes between the header and the first child: full-box headers and entry counts, sample entry fields.</summary>
    private static readonly Dictionary<string, int> ChildrenAfter = new()
    {
        ["stsd"] = 8,
        ["dref"] = 8,
        ["avc1"] = 78,
        ["hvc1"] = 78,
        ["hev1"] = 78,
        ["av01"] = 78,
        ["mp4a"] = 28,
    };

    private Mp4Box(string type, byte[] file, int offset, int size, int headerSize)
    {
        Type = type;
        File = file;
        Offset = offset;
        Size = size;
        HeaderSize = headerSize;
    }

    public string Type { get; }
    public byte[] File { get; }
    public int Offset { get; }
    public int Size { get; }
    public int HeaderSize { get; }
    public List<Mp4Box> Children { get; } = [];

    public ReadOnlySpan<byte> Body => File.AsSpan(Offset + HeaderSize, Size - HeaderSize);
    public byte[] BodyBytes => Body.ToArray();
    public byte[] Bytes => File.AsSpan(Offset, Size).ToArray();
    public int Version => Body[0];
    public int Flags => (Body[1] << 16) | (Body[2] << 8) | Body[3];

    public uint U32(int bodyOffset) => BinaryPrimitives.ReadUInt32BigEndian(Body[bodyOffset..]);
    public ulong U64(int bodyOffset) => BinaryPrimitives.ReadUInt64BigEndian(Body[bodyOffset..]);
    public ushort U16(int bodyOffset) => BinaryPrimitives.ReadUInt16BigEndian(Body[bodyOffset..]);

    public Mp4Box Child(string type) => Children.Single(c => c.Type == type);
    public IEnumerable<Mp4Box> All(string type) => Children.Where(c => c.Type == type);

    /// <summary>The first box of that type anywhere below this one.</summary>
    public Mp4Box Find(string type) => Descendants().First(b => b.Type == type);

    public IEnumerable<Mp4Box> Descendants()
    {
        foreach (var child in Children)
        {
            yield return child;
            foreach (var below in child.Descendants())
            {
                yield return below;
            }
        }
    }

    /// <summary>The box tree as indented lines of types, leaving out the types in <paramref name="skip"/>.</summary>
    public static string Tree(IEnumerable<Mp4Box> boxes, params string[] skip)
    {
        var text = new StringBuilder();
        void Walk(IEnumerable<Mp4Box> level, int depth)
        {
            foreach (var box in level.Where(b => !skip.Contains(b.Type)))
            {
                text.Append(' ', depth * 2).AppendLine(box.Type);
                Walk(box.Children, depth + 1);
            }
        }
        Walk(boxes, 0);
        return text.ToString();
    }

    /// <summary>Parses a whole file (or init segment + fragments) into its top-level boxes; every size is checked
    /// against its parent.</summary>
    public static List<Mp4Box> Parse(byte[] file) => Parse(file, 0, file.Length);

    private static List<Mp4Box> Parse(byte[] file, int offset, int end)
    {
        var boxes = new List<Mp4Box>();
        while (offset < end)
        {
            Assert.True(end - offset >= 8, $"truncated box header at {offset}");
            long size = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
            var type = Encoding.ASCII.GetString(file, offset + 4, 4);
            var header = 8;
            if (size == 1)
            {
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(offset + 8));
                header = 16;
            }
            else if (size == 0)
            {
                size = end - offset;
            }
            Assert.True(size >= header && offset + size <= end, $"box {type} at {offset}: size {size} overruns its parent (end {end})");
            var box = new Mp4Box(type, file, offset, (int)size, header);
            if (Containers.Contains(type))
            {
                box.Children.AddRange(Parse(file, offset + header, offset + (int)size));
            }
            else if (ChildrenAfter.TryGetValue(type, out var skip))
            {
                box.Children.AddRange(Parse(file, offset + header + skip, offset + (int)size));
            }
            boxes.Add(box);
            offset += (int)size;
        }
        return boxes;
    }
}
