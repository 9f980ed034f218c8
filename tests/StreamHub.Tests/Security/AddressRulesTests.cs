using System.Net;
using StreamHub.Security;

namespace StreamHub.Tests.Security;

public sealed class AddressRulesTests
{
    private static AddressRules Rules(string[] allow, string[] deny)
    {
        var errors = new List<string>();
        var rules = AddressRules.Parse(new AccessListOptions { Allow = allow, Deny = deny }, "StreamHub:Access:Publish", errors);
        Assert.Empty(errors);
        return rules;
    }

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("10.9.9.9", false)]   // denied inside the allowed network: deny wins
    [InlineData("192.168.1.1", false)] // not in the allow list
    [InlineData("::ffff:10.1.2.3", true)] // IPv4-mapped IPv6 is matched as IPv4
    [InlineData("2001:db8::1", true)]
    [InlineData("2001:db9::1", false)]
    public void Deny_wins_and_a_non_empty_allow_list_admits_only_its_networks(string address, bool allowed)
    {
        var rules = Rules(["10.0.0.0/8, 2001:db8::/32"], ["10.9.0.0/16"]);
        Assert.Equal(allowed, rules.IsAllowed(IPAddress.Parse(address)));
    }

    [Fact]
    public void Empty_lists_allow_everyone_and_a_deny_list_alone_blocks_only_its_networks()
    {
        Assert.True(Rules([], []).IsAllowed(IPAddress.Parse("203.0.113.7")));
        var denyOnly = Rules([], ["203.0.113.7"]);
        Assert.False(denyOnly.IsAllowed(IPAddress.Parse("203.0.113.7")));
        Assert.True(denyOnly.IsAllowed(IPAddress.Parse("203.0.113.8")));
    }

    [Theory]
    [InlineData("10.0.0.300/8")]
    [InlineData("banana")]
    [InlineData("10.0.0.0/33")]
    public void A_bad_entry_is_reported_with_the_setting_and_index(string entry)
    {
        var errors = new List<string>();
        AddressRules.Parse(new AccessListOptions { Allow = ["10.0.0.0/8", entry] }, "StreamHub:Access:Play", errors);
        var error = Assert.Single(errors);
        Assert.Contains("StreamHub:Access:Play:Allow[1]", error);
        Assert.Contains(entry, error);
    }
}
