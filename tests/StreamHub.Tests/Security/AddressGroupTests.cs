using System.Net;
using StreamHub.Security;

namespace StreamHub.Tests.Security;

public sealed class AddressGroupTests
{
    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::")]
    [InlineData("fe80::1%2", "fe80::")]
    [InlineData("::1", "::")]
    [InlineData("203.0.113.9", "203.0.113.9")]
    [InlineData("::ffff:203.0.113.9", "203.0.113.9")]
    public void Ipv6_addresses_are_grouped_by_their_64_and_ipv4_ones_stand_alone(string address, string group)
    {
        Assert.Equal(IPAddress.Parse(group), AddressGroup.Of(IPAddress.Parse(address)));
    }

    [Fact]
    public void Two_addresses_of_one_64_are_one_group_and_the_next_64_is_another()
    {
        Assert.Equal(AddressGroup.Of(IPAddress.Parse("2001:db8:0:1::a")), AddressGroup.Of(IPAddress.Parse("2001:db8:0:1:1234:5678:9abc:def0")));
        Assert.NotEqual(AddressGroup.Of(IPAddress.Parse("2001:db8:0:1::a")), AddressGroup.Of(IPAddress.Parse("2001:db8:0:2::a")));
    }
}
