//! The attributes of `crdt-migrate`: `#[crdt_schema(version = N, table = "t")]` and
//! `#[migration(from = N, to = M)]`. Use them through `crdt_migrate::{crdt_schema, migration}`;
//! the generated code names `::crdt_migrate`, so depend on that crate.

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::{format_ident, quote};
use syn::{
    parse_macro_input, FnArg, GenericArgument, Item, ItemFn, LitInt, LitStr, PathArguments,
    ReturnType, Type,
};

/// Declares a stored type's schema version and table:
/// implements `crdt_migrate::CrdtVersioned` with `SCHEMA_VERSION = version` and
/// `TABLE = table`. Both arguments are required; `version` is 1..=255.
#[proc_macro_attribute]
pub fn crdt_schema(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut version: Option<LitInt> = None;
    let mut table: Option<LitStr> = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("version") {
            version = Some(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("table") {
            table = Some(meta.value()?.parse()?);
            Ok(())
        } else {
            Err(meta.error(
                "unknown crdt_schema argument; expected `version = N` and `table = \"name\"`",
            ))
        }
    });
    parse_macro_input!(args with parser);
    let item = parse_macro_input!(input as Item);
    let (ident, generics) = match &item {
        Item::Struct(s) => (&s.ident, &s.generics),
        Item::Enum(e) => (&e.ident, &e.generics),
        _ => {
            return syn::Error::new(
                Span::call_site(),
                "#[crdt_schema] goes on a struct or an enum",
            )
            .to_compile_error()
            .into()
        }
    };
    let Some(version) = version else {
        return syn::Error::new(
            Span::call_site(),
            "#[crdt_schema] needs `version = N` (1..=255)",
        )
        .to_compile_error()
        .into();
    };
    let Some(table) = table else {
        return syn::Error::new(Span::call_site(), "#[crdt_schema] needs `table = \"name\"`")
            .to_compile_error()
            .into();
    };
    let v = match version.base10_parse::<u8>() {
        Ok(v) if v >= 1 => v,
        _ => {
            return syn::Error::new(
                version.span(),
                "schema version must be an integer from 1 to 255",
            )
            .to_compile_error()
            .into()
        }
    };
    if table.value().is_empty() {
        return syn::Error::new(table.span(), "table name must not be empty")
            .to_compile_error()
            .into();
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #item
        impl #impl_generics ::crdt_migrate::CrdtVersioned for #ident #ty_generics #where_clause {
            const SCHEMA_VERSION: u8 = #v;
            const TABLE: &'static str = #table;
        }
    }
    .into()
}

/// Declares a migration step `fn name(old: Old) -> New` (or `-> Result<New, E>` with
/// `E: Display`) from schema version `from` to `to` of one table, and generates
/// `fn name_migration() -> crdt_migrate::Migration` to register it with a `Migrator`.
/// The compiler checks that `Old` is at version `from`, `New` at `to`, and both in one table.
#[proc_macro_attribute]
pub fn migration(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut from: Option<LitInt> = None;
    let mut to: Option<LitInt> = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("from") {
            from = Some(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("to") {
            to = Some(meta.value()?.parse()?);
            Ok(())
        } else {
            Err(meta.error("unknown migration argument; expected `from = N, to = M`"))
        }
    });
    parse_macro_input!(args with parser);
    let func = parse_macro_input!(input as ItemFn);
    match expand_migration(from, to, &func) {
        Ok(tokens) => tokens.into(),
        Err(e) => {
            let err = e.to_compile_error();
            quote!(#func #err).into()
        }
    }
}

fn expand_migration(
    from: Option<LitInt>,
    to: Option<LitInt>,
    func: &ItemFn,
) -> syn::Result<proc_macro2::TokenStream> {
    let span = Span::call_site();
    let from_lit = from.ok_or_else(|| syn::Error::new(span, "#[migration] needs `from = N`"))?;
    let to_lit = to.ok_or_else(|| syn::Error::new(span, "#[migration] needs `to = M`"))?;
    let from: u8 = from_lit
        .base10_parse()
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| {
            syn::Error::new(
                from_lit.span(),
                "`from` must be a schema version from 1 to 255",
            )
        })?;
    let to: u8 = to_lit.base10_parse().map_err(|_| {
        syn::Error::new(to_lit.span(), "`to` must be a schema version from 1 to 255")
    })?;
    if from >= to {
        return Err(syn::Error::new(
            to_lit.span(),
            format!("a migration goes up: `from` ({from}) must be lower than `to` ({to})"),
        ));
    }
    let sig = &func.sig;
    let wrong_sig = || {
        syn::Error::new_spanned(
            sig,
            "a migration is `fn name(old: OldType) -> NewType` (or `-> Result<NewType, E>`): \
             one argument, a return type, no generics, not async",
        )
    };
    if sig.inputs.len() != 1 || !sig.generics.params.is_empty() || sig.asyncness.is_some() {
        return Err(wrong_sig());
    }
    let old_ty = match sig.inputs.first() {
        Some(FnArg::Typed(pat)) => (*pat.ty).clone(),
        _ => return Err(wrong_sig()),
    };
    let ret_ty = match &sig.output {
        ReturnType::Type(_, ty) => (**ty).clone(),
        ReturnType::Default => return Err(wrong_sig()),
    };
    let (new_ty, fallible) = match result_ok_type(&ret_ty) {
        Some(ok) => (ok, true),
        None => (ret_ty, false),
    };
    let name = &sig.ident;
    let vis = &func.vis;
    let ctor = format_ident!("{}_migration", name);
    let call = if fallible {
        quote!(#name(old).map_err(::crdt_migrate::__private::step_error)?)
    } else {
        quote!(#name(old))
    };
    let msg_from = format!(
        "#[migration] {name}: the argument type's SCHEMA_VERSION must equal `from` ({from})"
    );
    let msg_to =
        format!("#[migration] {name}: the return type's SCHEMA_VERSION must equal `to` ({to})");
    let msg_table = format!("#[migration] {name}: both types must be in the same table");
    let doc = format!("Registers the migration `{name}` ({from} -> {to}) with a `Migrator`.");
    Ok(quote! {
        #func

        const _: () = {
            assert!(<#old_ty as ::crdt_migrate::CrdtVersioned>::SCHEMA_VERSION == #from, #msg_from);
            assert!(<#new_ty as ::crdt_migrate::CrdtVersioned>::SCHEMA_VERSION == #to, #msg_to);
            assert!(
                ::crdt_migrate::__private::const_str_eq(
                    <#old_ty as ::crdt_migrate::CrdtVersioned>::TABLE,
                    <#new_ty as ::crdt_migrate::CrdtVersioned>::TABLE,
                ),
                #msg_table
            );
        };

        #[doc = #doc]
        #vis fn #ctor() -> ::crdt_migrate::Migration {
            fn step(bytes: &[u8]) -> ::core::result::Result<::std::vec::Vec<u8>, ::crdt_migrate::Error> {
                let old: #old_ty = ::crdt_migrate::decode_payload(bytes, #from)?;
                let new: #new_ty = #call;
                ::crdt_migrate::encode_payload(&new)
            }
            ::crdt_migrate::Migration::new(
                <#new_ty as ::crdt_migrate::CrdtVersioned>::TABLE,
                #from,
                #to,
                ::core::stringify!(#name),
                step,
            )
        }
    })
}

/// `Result<T, E>` (by last path segment) -> `Some(T)`.
fn result_ok_type(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}
