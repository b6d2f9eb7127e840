using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// One parameter or buffer of a module tree, by its state_dict name, with what it takes to put another tensor in its
/// place. Replacement works the way TorchSharp's own <c>Module._to</c> does, generically by name: a public settable
/// property of that name (TorchSharp's <c>Linear.weight</c>, <c>Conv2d.bias</c>, <c>Embedding.weight</c>, which also
/// update native state), else the module's registration plus the field that holds it (a <c>private readonly
/// Parameter weight</c> in our own modules), so any module that registers a <see cref="Parameter"/> field works.
/// </summary>
public sealed class ModuleTensorSlot
{
    private const BindingFlags InstanceMembers = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;

    private static readonly MethodInfo RegisterParameter = typeof(nn.Module).GetMethod(
        "ConditionallyRegisterParameter", InstanceMembers, [typeof(string), typeof(Parameter)])
        ?? throw new MissingMethodException("TorchSharp's Module.ConditionallyRegisterParameter(string, Parameter) is gone: update ModuleTensorSlot for this TorchSharp version.");

    private static readonly MethodInfo RegisterBuffer = typeof(nn.Module).GetMethod(
        "ConditionallyRegisterBuffer", InstanceMembers, [typeof(string), typeof(Tensor), typeof(bool)])
        ?? throw new MissingMethodException("TorchSharp's Module.ConditionallyRegisterBuffer(string, Tensor, bool) is gone: update ModuleTensorSlot for this TorchSharp version.");

    private ModuleTensorSlot(string name, nn.Module owner, string localName, Tensor value, bool isParameter)
    {
        Name = name;
        Owner = owner;
        LocalName = localName;
        Value = value;
        IsParameter = isParameter;
    }

    /// <summary>The state_dict name (<c>model.layers.0.self_attn.q_proj.weight</c>).</summary>
    public string Name { get; }

    /// <summary>The module that registers it.</summary>
    public nn.Module Owner { get; }

    /// <summary>Its name inside <see cref="Owner"/> (<c>weight</c>).</summary>
    public string LocalName { get; }

    /// <summary>The tensor it holds now.</summary>
    public Tensor Value { get; private set; }

    public bool IsParameter { get; }

    /// <summary>Every parameter and persistent buffer of <paramref name="root"/> (what its state_dict holds), by state_dict name.</summary>
    public static IReadOnlyList<ModuleTensorSlot> Of(nn.Module root)
    {
        var persistent = root.state_dict().Keys.ToHashSet(StringComparer.Ordinal);
        var slots = new List<ModuleTensorSlot>();
        foreach (var (prefix, module) in new[] { ("", root) }.Concat(root.named_modules()))
        {
            string Full(string local) => prefix.Length == 0 ? local : $"{prefix}.{local}";
            foreach (var (local, parameter) in module.named_parameters(recurse: false))
                slots.Add(new ModuleTensorSlot(Full(local), module, local, parameter, isParameter: true));
            foreach (var (local, buffer) in module.named_buffers(recurse: false))
                if (persistent.Contains(Full(local)))
                    slots.Add(new ModuleTensorSlot(Full(local), module, local, buffer, isParameter: false));
        }

        return slots;
    }

    /// <summary>
    /// Puts <paramref name="replacement"/> in this slot (as a <see cref="Parameter"/> with the old one's
    /// <c>requires_grad</c> for a parameter) and disposes the tensor it held. The slot takes ownership of
    /// <paramref name="replacement"/>.
    /// </summary>
    public void Replace(Tensor replacement)
    {
        var old = Value;
        Tensor value = IsParameter ? new Parameter(replacement, requires_grad: old.requires_grad) : replacement;
        var property = Owner.GetType().GetProperty(LocalName, BindingFlags.Public | BindingFlags.Instance);
        if (property is { CanWrite: true } && property.PropertyType.IsAssignableFrom(value.GetType()))
        {
            property.SetValue(Owner, value);
        }
        else
        {
            if (IsParameter) RegisterParameter.Invoke(Owner, [LocalName, value]);
            else RegisterBuffer.Invoke(Owner, [LocalName, value, true]);
            var field = FieldOf(Owner.GetType(), LocalName);
            field?.SetValue(Owner, value);
        }

        if (!ReferenceEquals(old, value)) old.Dispose();
        Value = value;
    }

    private static FieldInfo? FieldOf(Type type, string componentName)
    {
        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
            foreach (var field in t.GetFields(InstanceMembers | BindingFlags.DeclaredOnly))
                if (field.ComponentName() == componentName && typeof(Tensor).IsAssignableFrom(field.FieldType))
                    return field;
        return null;
    }
}
