namespace StreamHub.Rtmp.Amf;

/// <summary>An AMF object, ECMA array or typed object: named values in wire order. Values are <see cref="double"/>,
/// <see cref="bool"/>, <see cref="string"/>, <see cref="DateTime"/>, <see cref="AmfObject"/>,
/// <see cref="List{T}"/> of values (strict arrays) or null (null and undefined).</summary>
public sealed class AmfObject : Dictionary<string, object?>
{
    public AmfObject() : base(StringComparer.Ordinal)
    {
    }

    /// <summary>Written as an ECMA array (08) rather than an object (03).</summary>
    public bool IsEcmaArray { get; init; }

    /// <summary>The class name of a typed object (10); null otherwise.</summary>
    public string? ClassName { get; init; }

    public string? GetString(string name) => TryGetValue(name, out var value) ? value as string : null;

    public double? GetNumber(string name) => TryGetValue(name, out var value) && value is double number ? number : null;
}
