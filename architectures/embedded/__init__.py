"""The embedded architecture (arquitetura embutida): a Streamlit app with the model inside."""
