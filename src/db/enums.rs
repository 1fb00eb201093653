//! How the domain's text enums are stored: their `as_str` names in TEXT
//! columns, on either backend (the same columns as before they were types).

/// `ToSql`/`FromSql` for a `text_enum!` type on every backend that stores
/// text as `str`/`String`. A name the enum does not know is a
/// deserialization error (the columns' CHECK constraints keep them known).
macro_rules! stored_as_text {
    ($name:ident) => {
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                Ok(text.parse::<$name>()?)
            }
        }
    };
}

pub(crate) use stored_as_text;
