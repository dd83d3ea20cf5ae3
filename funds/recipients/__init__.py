"""The recipient register (在册对象): households in support, their dated, signed changes,
bank accounts, and the standard-raise (调标) runs."""
